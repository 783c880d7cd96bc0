// Package historytest generates archives whose history exercises the
// change index. The history has schedule changes, streams lost and
// regained, an address removed and added again, two addresses whose names
// give one key, and names with accents and ligatures. On request, some
// commits lack a report or a manifest, as an older collecte wrote them.
package historytest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Keys of the addresses that the generated history treats specially.
const (
	// CollidingKey and OtherCollidingKey are two streets that the site
	// lists under one name with ids 467 and 468. CollidingKey is removed at
	// step 3 and added again at step 6.
	CollidingKey      = "fort-de-france_hyper-centre-ville_rue-louis-blanc~467"
	OtherCollidingKey = "fort-de-france_hyper-centre-ville_rue-louis-blanc~468"

	// ReturningKey is removed at step 4 and added again at step 8.
	ReturningKey = "schoelcher_coeur-bouliki_rue-emile-zola"

	// StreamKey loses its yellow bin at step 5 and gets it back at step 9.
	StreamKey = "le-lamentin_acajou_chemin-des-flamboyants"
)

// Options sets up a generated history.
type Options struct {
	// Seed picks the schedule changes of each step.
	Seed uint64

	// WithoutReport lists the steps whose commit has no change report,
	// and WithoutManifest those without crawl.json.
	WithoutReport   []int
	WithoutManifest []int
}

// Generator commits the steps of a generated history into an archive.
type Generator struct {
	Archive *archive.Archive

	// Hashes lists the commits made, oldest first.
	Hashes []string

	opt    Options
	rng    *rand.Rand
	places []snapshot.Place
	labels map[string][]label
	prev   *snapshot.Snapshot
	step   int
}

// label is one stream of an address as a source publishes it.
type label struct {
	name string
	even []time.Weekday
	odd  []time.Weekday
}

// New returns a generator committing into a new archive in a temporary
// directory of tb.
func New(tb testing.TB, opt Options) *Generator {
	tb.Helper()
	a, err := archive.Open(filepath.Join(tb.TempDir(), "archive"))
	if err != nil {
		tb.Fatalf("open archive: %v", err)
	}
	g := &Generator{Archive: a, opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 1)), labels: map[string][]label{}}
	g.places = places()
	for _, p := range g.places {
		g.labels[p.ID] = startLabels(p.ID)
	}
	return g
}

// Build returns a generator that has committed n steps.
func Build(tb testing.TB, n int, opt Options) *Generator {
	tb.Helper()
	g := New(tb, opt)
	for range n {
		g.Next(tb)
	}
	return g
}

// places returns the streets of the generated site: ten in each of four
// quartiers, and the special streets named by the keys above.
func places() []snapshot.Place {
	areas := [][2]string{
		{"FORT-DE-FRANCE", "BALATA"},
		{"FORT-DE-FRANCE", "HYPER CENTRE-VILLE"},
		{"LE LAMENTIN", "ACAJOU"},
		{"SCHŒLCHER", "CŒUR BOULIKI"},
	}
	var out []snapshot.Place
	for i, area := range areas {
		for j := range 10 {
			id := strconv.Itoa(100*(i+1) + j)
			out = append(out, snapshot.Place{ID: id, Commune: area[0], Quartier: area[1], Voie: fmt.Sprintf("Rue %c%d", 'A'+i, j)})
		}
	}
	return append(out,
		snapshot.Place{ID: "467", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"},
		snapshot.Place{ID: "468", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue  Louis Blanc"},
		snapshot.Place{ID: "900", Commune: "SCHŒLCHER", Quartier: "CŒUR BOULIKI", Voie: "Rue Émile Zola"},
		snapshot.Place{ID: "901", Commune: "LE LAMENTIN", Quartier: "ACAJOU", Voie: "Chemin des Flamboyants"},
	)
}

// startLabels gives every street household waste twice a week and the
// yellow bin in even weeks. Some streets also get green waste in odd weeks
// or a stream that the code does not know.
func startLabels(id string) []label {
	n, _ := strconv.Atoi(id)
	labels := []label{
		{name: "OM", even: days(time.Monday, time.Thursday), odd: days(time.Monday, time.Thursday)},
		{name: "RS", even: days(time.Wednesday)},
	}
	if n%3 == 0 {
		labels = append(labels, label{name: "DV", odd: days(time.Friday)})
	}
	if n%7 == 0 {
		labels = append(labels, label{name: "Déchets dangereux", even: days(time.Saturday), odd: days(time.Saturday)})
	}
	return labels
}

func days(d ...time.Weekday) []time.Weekday {
	return d
}

// Next commits the next step: the first snapshot at step 0, then a few
// schedule changes per step and the scripted removals and additions.
func (g *Generator) Next(tb testing.TB) string {
	tb.Helper()
	if g.step > 0 {
		g.mutate()
	}
	s, _ := snapshot.Build(g.records(), g.prev)
	hash, err := g.commit(s)
	if err != nil {
		tb.Fatalf("commit step %d: %v", g.step, err)
	}
	g.prev = s
	g.Hashes = append(g.Hashes, hash)
	g.step++
	return hash
}

// mutate moves one day of three random streams, then applies the script
// of the current step.
func (g *Generator) mutate() {
	for range 3 {
		p := g.places[g.rng.IntN(len(g.places))]
		labels := g.labels[p.ID]
		if len(labels) == 0 {
			continue
		}
		l := &labels[g.rng.IntN(len(labels))]
		l.even = slices.Clone(l.even)
		if len(l.even) > 0 {
			l.even[0] = time.Weekday((int(l.even[0]) + 1 + g.rng.IntN(5)) % 7)
		} else {
			l.even = days(time.Tuesday)
		}
	}

	switch g.step {
	case 3:
		g.setLabels("467", nil)
	case 4:
		g.setLabels("900", nil)
	case 5:
		g.setLabels("901", g.labels["901"][:1])
	case 6:
		g.setLabels("467", startLabels("467"))
	case 8:
		g.setLabels("900", startLabels("900"))
	case 9:
		g.setLabels("901", startLabels("901"))
	}
}

func (g *Generator) setLabels(id string, labels []label) {
	g.labels[id] = labels
}

// records returns the records of the site now. A street without a stream
// is not published at all, so it is removed from the snapshot.
func (g *Generator) records() []snapshot.Record {
	var out []snapshot.Record
	for _, p := range g.places {
		for _, l := range g.labels[p.ID] {
			out = append(out, snapshot.Record{Place: p, Label: l.name, EvenWeeks: l.even, OddWeeks: l.odd})
		}
	}
	return out
}

// commit lays out s as the pipeline does and commits it.
func (g *Generator) commit(s *snapshot.Snapshot) (string, error) {
	files, err := snapshot.Encode(s)
	if err != nil {
		return "", err
	}
	out := archive.Files{}
	for path, content := range files {
		out[path] = content
	}
	out["raw/step.json"] = []byte(strconv.Itoa(g.step))

	if !slices.Contains(g.opt.WithoutManifest, g.step) {
		m := snapshot.Manifest{Source: "generated", Addresses: len(s.Addresses), Rules: len(s.Rules),
			Missing: len(s.Missing()), Warnings: []snapshot.Warning{}}
		if out[snapshot.ManifestPath], err = snapshot.EncodeManifest(m); err != nil {
			return "", err
		}
	}

	r := diff.Report{Changes: []diff.Change{}}
	if g.prev != nil {
		r = diff.Compare(g.prev, s)
		r.From = g.Hashes[len(g.Hashes)-1]
	}
	if !slices.Contains(g.opt.WithoutReport, g.step) {
		if err := addReports(out, r); err != nil {
			return "", err
		}
	}

	c, _, err := g.Archive.Commit(out, archive.CommitOptions{
		Message: g.message(r, s),
		When:    time.Date(2026, 1, 1, 6, 0, 0, 0, time.FixedZone("-0400", -4*3600)).Add(time.Duration(g.step) * time.Hour),
	})
	if err != nil {
		return "", err
	}
	return c.Hash, nil
}

func addReports(out archive.Files, r diff.Report) error {
	var js, md bytes.Buffer
	if err := diff.WriteJSON(&js, r); err != nil {
		return err
	}
	if err := diff.WriteMarkdown(&md, r); err != nil {
		return err
	}
	out[diff.ReportJSONPath], out[diff.ReportMarkdownPath] = js.Bytes(), md.Bytes()
	return nil
}

func (g *Generator) message(r diff.Report, s *snapshot.Snapshot) string {
	subject := r.Summary()
	switch {
	case g.prev == nil:
		subject = fmt.Sprintf("first snapshot: %d addresses", len(s.Addresses))
	case subject == "":
		subject = "raw capture changed, schedules unchanged"
	}
	return subject + "\n\n" + r.Body(5) + fmt.Sprintf("Step %d\n", g.step)
}
