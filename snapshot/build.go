package snapshot

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Warning codes that Build produces.
const (
	WarnUnknownStream   = "unknown_stream"
	WarnDuplicateRecord = "duplicate_record"
)

// group is one address while records are gathered: its identity, the
// spellings seen for each name, and its collection days per stream.
type group struct {
	nameKey  string
	id       string
	communes map[string]int
	quartier map[string]int
	voies    map[string]int
	streams  map[string]*days
	labels   map[string]int
}

// days holds the weekdays of one stream in even and odd weeks.
type days struct {
	even, odd [7]bool
}

// Build normalises source records into a snapshot. Records that name the
// same street without regard to case, accents and runs of whitespace form
// one address; where two source ids share the same names, the id is part of
// the key. Records of one address and stream are merged, and the returned
// warnings count what was merged or guessed.
//
// prev is the snapshot that this one follows, or nil. An address of prev
// keeps its key, so that a key does not change when an unrelated address
// with the same names comes or goes.
func Build(records []Record, prev *Snapshot) (*Snapshot, []Warning) {
	b := NewBuilder()
	b.Add(records...)
	return b.Finish(prev)
}

// Builder gathers source records as they arrive, so that a crawl can group
// them by address while it still waits for the next response. Adding
// records in any order and in any number of calls, then calling Finish,
// gives what Build gives for all of them. A Builder is not safe for
// concurrent use.
type Builder struct {
	labels     map[string]*streamLabel
	byIdentity map[[2]string]*group
	slugs      slugCache
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{
		labels:     map[string]*streamLabel{},
		byIdentity: map[[2]string]*group{},
		slugs:      slugCache{},
	}
}

// Add groups records by address identity.
func (b *Builder) Add(records ...Record) {
	var last Place
	nameKey := ""
	for i, r := range records {
		// The records of one address usually follow each other, so the
		// key of the previous record is reused rather than folded again.
		if i == 0 || r.Place != last {
			nameKey = b.slugs.nameKey(r.Place)
			last = r.Place
		}
		identity := [2]string{nameKey, r.ID}
		g := b.byIdentity[identity]
		if g == nil {
			g = newGroup(nameKey, r.ID)
			b.byIdentity[identity] = g
		}
		g.add(r, b.label(r.Label).codes)
	}
}

// label returns the stream codes of label and counts one more record for
// it. A crawl has thousands of records but only a few labels, and
// StreamCodes folds the label each time it is called.
func (b *Builder) label(label string) *streamLabel {
	l := b.labels[label]
	if l == nil {
		codes, known := StreamCodes(label)
		l = &streamLabel{codes: codes, known: known}
		b.labels[label] = l
	}
	l.records++
	return l
}

// Finish returns the snapshot of the records added so far, with prev as in
// Build.
func (b *Builder) Finish(prev *Snapshot) (*Snapshot, []Warning) {
	groups := b.groups()
	keys := assignKeys(groups, prev)

	communes, quartiers := areaSpellings(groups)

	// Groups are visited in key order and each gives its rules in file
	// order, so that s.sort finds both lists sorted in the common case.
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(keys[i], keys[j]) })

	s := &Snapshot{Addresses: make([]Address, 0, len(groups))}
	for _, i := range order {
		g := groups[i]
		a := g.address(keys[i])
		a.Commune = communes[g.communeKey()]
		a.Quartier = quartiers[g.quartierKey()]
		s.Addresses = append(s.Addresses, a)
		s.Rules = g.appendRules(s.Rules, keys[i])
	}
	s.sort()

	return s, buildWarnings(groups, b.labels)
}

// streamLabel is the result of StreamCodes for one label, with the number of
// records that carry the label.
type streamLabel struct {
	codes   []string
	known   bool
	records int
}

// groups returns the groups in a deterministic order.
func (b *Builder) groups() []*group {
	groups := make([]*group, 0, len(b.byIdentity))
	for _, g := range b.byIdentity {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].nameKey != groups[j].nameKey {
			return groups[i].nameKey < groups[j].nameKey
		}
		return groups[i].id < groups[j].id
	})
	return groups
}

func newGroup(nameKey, id string) *group {
	return &group{
		nameKey:  nameKey,
		id:       id,
		communes: map[string]int{},
		quartier: map[string]int{},
		voies:    map[string]int{},
		streams:  map[string]*days{},
		labels:   map[string]int{},
	}
}

// add counts the spellings of r and sets its days under codes, the stream
// codes of its label.
func (g *group) add(r Record, codes []string) {
	g.communes[r.Commune]++
	g.quartier[r.Quartier]++
	g.voies[r.Voie]++
	if r.Label == "" {
		return
	}

	g.labels[r.Label]++
	for _, code := range codes {
		d := g.streams[code]
		if d == nil {
			d = &days{}
			g.streams[code] = d
		}
		d.set(r.EvenWeeks, r.OddWeeks)
	}
}

func (d *days) set(even, odd []time.Weekday) {
	for _, w := range even {
		if w >= time.Sunday && w <= time.Saturday {
			d.even[w] = true
		}
	}
	for _, w := range odd {
		if w >= time.Sunday && w <= time.Saturday {
			d.odd[w] = true
		}
	}
}

// assignKeys gives each group its address key. An address of prev keeps
// its key. Any other address gets its name key, followed by the source id
// when another address of this snapshot or of prev has the same name key
// with a different id.
func assignKeys(groups []*group, prev *Snapshot) []string {
	ids := map[string]map[string]bool{}
	note := func(nameKey, id string) {
		if ids[nameKey] == nil {
			ids[nameKey] = map[string]bool{}
		}
		ids[nameKey][id] = true
	}
	for _, g := range groups {
		note(g.nameKey, g.id)
	}
	kept := map[[2]string]string{}
	if prev != nil {
		slugs := slugCache{}
		for _, a := range prev.Addresses {
			nameKey := slugs.nameKey(Place{Commune: a.Commune, Quartier: a.Quartier, Voie: a.Voie})
			note(nameKey, a.ID)
			kept[[2]string{nameKey, a.ID}] = a.Key
		}
	}

	keys := make([]string, len(groups))
	taken := map[string]bool{}
	for i, g := range groups {
		key, ok := kept[[2]string{g.nameKey, g.id}]
		if !ok || taken[key] {
			key = g.nameKey
			if len(ids[g.nameKey]) > 1 {
				key = disambiguate(g.nameKey, g.id)
			}
		}
		keys[i] = key
		taken[key] = true
	}
	return keys
}

// areaSpellings picks one published spelling per commune and per quartier,
// the most frequent over all records, so that a commune spelled
// "SCHOELCHER" on some records and "Schoelcher" on others is shown one way.
func areaSpellings(groups []*group) (communes, quartiers map[string]string) {
	communeCounts := map[string]map[string]int{}
	quartierCounts := map[string]map[string]int{}
	for _, g := range groups {
		addCounts(communeCounts, g.communeKey(), g.communes)
		addCounts(quartierCounts, g.quartierKey(), g.quartier)
	}

	communes = make(map[string]string, len(communeCounts))
	for k, counts := range communeCounts {
		communes[k] = mostFrequent(counts)
	}
	quartiers = make(map[string]string, len(quartierCounts))
	for k, counts := range quartierCounts {
		quartiers[k] = mostFrequent(counts)
	}
	return communes, quartiers
}

func addCounts(into map[string]map[string]int, key string, counts map[string]int) {
	if into[key] == nil {
		into[key] = map[string]int{}
	}
	for s, n := range counts {
		into[key][s] += n
	}
}

// communeKey and quartierKey are the first one and two parts of the name key.
func (g *group) communeKey() string {
	commune, _, _ := strings.Cut(g.nameKey, keySeparator)
	return commune
}

func (g *group) quartierKey() string {
	i := strings.LastIndex(g.nameKey, keySeparator)
	return g.nameKey[:i]
}

func (g *group) address(key string) Address {
	return Address{
		Key:      key,
		ID:       g.id,
		Commune:  mostFrequent(g.communes),
		Quartier: mostFrequent(g.quartier),
		Voie:     mostFrequent(g.voies),
	}
}

// mostFrequent returns the spelling seen most often, the smallest one in
// byte order among equals, so the choice does not depend on record order.
func mostFrequent(spellings map[string]int) string {
	best, bestCount := "", 0
	for s, n := range spellings {
		if n > bestCount || (n == bestCount && s < best) {
			best, bestCount = s, n
		}
	}
	return best
}

// appendRules appends the rules of g under key to rules, in the order of
// compareRules.
func (g *group) appendRules(rules []Rule, key string) []Rule {
	codes := make([]string, 0, len(g.streams))
	for code := range g.streams {
		codes = append(codes, code)
	}
	slices.SortFunc(codes, compareStreams)

	for _, code := range codes {
		d := g.streams[code]
		for _, w := range weekdaysByRank {
			if weeks, ok := d.weeks(w); ok {
				rules = append(rules, Rule{Key: key, Flux: code, Day: w, Weeks: weeks})
			}
		}
	}
	return rules
}

// weekdaysByRank lists the weekdays in DayRank order, Monday first.
var weekdaysByRank = [7]time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday,
}

func (d *days) weeks(w time.Weekday) (Weeks, bool) {
	switch {
	case d.even[w] && d.odd[w]:
		return Every, true
	case d.even[w]:
		return Even, true
	case d.odd[w]:
		return Odd, true
	}
	return "", false
}

// buildWarnings counts unknown stream labels and duplicate records. A source
// without ids promises one record per street and stream, so a second record
// for the same label is a duplicate. A source with ids answers one request
// per address and splits a stream into one item per week type, so its items
// of one label merge without a warning.
func buildWarnings(groups []*group, labels map[string]*streamLabel) []Warning {
	var warnings []Warning

	unknown := map[string]*streamLabel{}
	for label, l := range labels {
		if label != "" && !l.known {
			unknown[label] = l
		}
	}
	for _, label := range sortedKeys(unknown) {
		warnings = append(warnings, Warning{
			Code:    WarnUnknownStream,
			Message: fmt.Sprintf("unknown stream %q recorded under code %s", label, unknown[label].codes[0]),
			Count:   unknown[label].records,
		})
	}

	duplicates := 0
	for _, g := range groups {
		if g.id != "" {
			continue
		}
		for _, n := range g.labels {
			duplicates += n - 1
		}
	}
	if duplicates > 0 {
		warnings = append(warnings, Warning{
			Code:    WarnDuplicateRecord,
			Message: "records repeating a street and stream were merged",
			Count:   duplicates,
		})
	}
	return warnings
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sort puts addresses and rules in the order of the CSV files. It first
// checks whether they already are, as Build and Decode mostly give them,
// which costs one comparison per element instead of a sort.
func (s *Snapshot) sort() {
	if !slices.IsSortedFunc(s.Addresses, compareAddresses) {
		slices.SortFunc(s.Addresses, compareAddresses)
	}
	if !slices.IsSortedFunc(s.Rules, compareRules) {
		slices.SortFunc(s.Rules, compareRules)
	}
}

func compareAddresses(a, b Address) int {
	return strings.Compare(a.Key, b.Key)
}

func compareRules(a, b Rule) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if a.Flux != b.Flux {
		if StreamLess(a.Flux, b.Flux) {
			return -1
		}
		return 1
	}
	if c := DayRank(a.Day) - DayRank(b.Day); c != 0 {
		return c
	}
	return weeksRank(a.Weeks) - weeksRank(b.Weeks)
}
