package crawler

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/go-json-experiment/json/v1"
)

// legacyItem is an element of /get/communes, /get/quartiers or
// /get/adresses. Pointers tell a missing field from a zero one.
type legacyItem struct {
	ID         *int    `json:"id"`
	Name       *string `json:"name"`
	CommuneID  *int    `json:"commune_id"`
	QuartierID *int    `json:"quartier_id"`
}

// legacyLists are the three lists of the legacy site.
type legacyLists struct {
	communes, quartiers, adresses []legacyItem
}

// crawlLegacy fetches the three lists, then the collections of every
// address, and appends the records in the order of /get/adresses.
func crawlLegacy(ctx context.Context, f *fetcher, res *Result) error {
	var lists legacyLists
	outs, err := f.runAll(ctx, lists.jobs(f.cfg.BaseURL))
	res.Outcomes = append(res.Outcomes, outs...)
	if err != nil || failures(outs) != nil {
		return err
	}

	places, warnings := lists.join()
	res.Warnings = append(res.Warnings, warnings...)
	for _, w := range warnings {
		f.log.Warn(w.Message, "code", w.Code, "count", w.Count)
	}

	records := make([][]snapshot.Record, len(places))
	jobs := make([]job, len(places))
	for i, p := range places {
		jobs[i] = collectesJob(f.cfg.BaseURL, p, &records[i], f.cfg.OnRecords)
	}

	outs, err = f.runAll(ctx, jobs)
	res.Outcomes = append(res.Outcomes, outs...)

	n := 0
	for _, r := range records {
		n += len(r)
	}
	res.Records = slices.Grow(res.Records, n)
	for _, r := range records {
		res.Records = append(res.Records, r...)
	}
	return err
}

func (l *legacyLists) jobs(base string) []job {
	list := func(name string, dst *[]legacyItem, parent string) job {
		return job{
			url:  base + "/get/" + name,
			path: "raw/get/" + name + ".json",
			decode: func(body []byte) error {
				items, err := decodeLegacyList(body, parent)
				*dst = items
				return err
			},
		}
	}

	return []job{
		list("communes", &l.communes, ""),
		list("quartiers", &l.quartiers, "commune_id"),
		list("adresses", &l.adresses, "quartier_id"),
	}
}

// decodeLegacyList decodes one of the three lists. Every item needs an id
// and a name, and the parent id field named parent unless it is empty.
func decodeLegacyList(body []byte, parent string) ([]legacyItem, error) {
	var items []legacyItem
	if err := unmarshalJSON(body, '[', &items); err != nil {
		return nil, err
	}

	for i, it := range items {
		missing := ""
		switch {
		case it.ID == nil:
			missing = "id"
		case it.Name == nil:
			missing = "name"
		case parent == "commune_id" && it.CommuneID == nil,
			parent == "quartier_id" && it.QuartierID == nil:
			missing = parent
		}
		if missing != "" {
			return nil, fmt.Errorf("item %d: missing %q", i, missing)
		}
	}
	return items, nil
}

// join resolves every address to its quartier and commune by id. An address
// listed twice is kept once, and an unknown parent id leaves the names
// empty; both are reported as warnings.
func (l *legacyLists) join() ([]snapshot.Place, []snapshot.Warning) {
	communes := namesByID(l.communes)
	quartiers := make(map[int]legacyItem, len(l.quartiers))
	for _, q := range l.quartiers {
		quartiers[*q.ID] = q
	}

	var places []snapshot.Place
	seen := make(map[int]bool, len(l.adresses))
	var dupes, noQuartier, noCommune int
	for _, a := range l.adresses {
		if seen[*a.ID] {
			dupes++
			continue
		}
		seen[*a.ID] = true

		p := snapshot.Place{ID: strconv.Itoa(*a.ID), Voie: *a.Name}
		q, ok := quartiers[*a.QuartierID]
		switch {
		case !ok:
			noQuartier++
		case communes[*q.CommuneID] == nil:
			p.Quartier = *q.Name
			noCommune++
		default:
			p.Quartier = *q.Name
			p.Commune = *communes[*q.CommuneID]
		}
		places = append(places, p)
	}

	return places, joinWarnings(dupes, noQuartier, noCommune)
}

func namesByID(items []legacyItem) map[int]*string {
	m := make(map[int]*string, len(items))
	for _, it := range items {
		m[*it.ID] = it.Name
	}
	return m
}

func joinWarnings(dupes, noQuartier, noCommune int) []snapshot.Warning {
	var ws []snapshot.Warning
	add := func(n int, code, msg string) {
		if n > 0 {
			ws = append(ws, snapshot.Warning{Code: code, Message: msg, Count: n})
		}
	}

	add(dupes, "duplicate_address_id", "/get/adresses lists some address ids more than once; each is crawled once")
	add(noQuartier, "unknown_quartier", "some addresses reference a quartier id missing from /get/quartiers; their quartier and commune are left empty")
	add(noCommune, "unknown_commune", "some addresses are in a quartier whose commune id is missing from /get/communes; their commune is left empty")
	return ws
}

// collectesJob requests the collections of p, stores its records in dst and
// passes them to onRecords when it is not nil.
func collectesJob(base string, p snapshot.Place, dst *[]snapshot.Record, onRecords func([]snapshot.Record)) job {
	id, _ := strconv.Atoi(p.ID)
	return job{
		url:   base + "/get/collectes/" + p.ID,
		path:  "raw/get/collectes/" + p.ID + ".json",
		place: &p,
		decode: func(body []byte) error {
			recs, err := decodeCollectes(body, id, p)
			*dst = recs
			if err == nil && onRecords != nil {
				onRecords(recs)
			}
			return err
		},
	}
}

type legacyCollectes struct {
	Adresse *struct {
		ID *int `json:"id"`
	} `json:"adresse"`
	// Collectes is empty when the field is missing, which is an error,
	// and "null" for a JSON null, taken as an empty list.
	Collectes json.RawMessage `json:"collectes"`
}

type legacyCollecte struct {
	Title    *string  `json:"title"`
	Days     []string `json:"days"`
	WeekType *string  `json:"week_type"`
}

// decodeCollectes decodes the /get/collectes body of address id, which must
// echo that id. An address without any collection yields one record with an
// empty Label, so that it stays in the snapshot.
func decodeCollectes(body []byte, id int, p snapshot.Place) ([]snapshot.Record, error) {
	var doc legacyCollectes
	if err := unmarshalJSON(body, '{', &doc); err != nil {
		return nil, err
	}

	if doc.Adresse == nil || doc.Adresse.ID == nil {
		return nil, fmt.Errorf("missing adresse.id")
	}
	if *doc.Adresse.ID != id {
		return nil, fmt.Errorf("adresse.id is %d (want the requested %d)", *doc.Adresse.ID, id)
	}
	if len(doc.Collectes) == 0 {
		return nil, fmt.Errorf("missing \"collectes\"")
	}

	var items []legacyCollecte
	if err := json.Unmarshal(doc.Collectes, &items); err != nil {
		return nil, fmt.Errorf("parse JSON collectes: %w", err)
	}
	if len(items) == 0 {
		return []snapshot.Record{{Place: p}}, nil
	}

	recs := make([]snapshot.Record, 0, len(items))
	for i, c := range items {
		r, err := c.record(p)
		if err != nil {
			return nil, fmt.Errorf("collectes[%d]: %w", i, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func (c legacyCollecte) record(p snapshot.Place) (snapshot.Record, error) {
	if c.Title == nil {
		return snapshot.Record{}, fmt.Errorf("missing \"title\"")
	}

	days, err := parseDays(c.Days)
	if err != nil {
		return snapshot.Record{}, err
	}

	r := snapshot.Record{Place: p, Label: *c.Title}
	if c.WeekType == nil {
		r.EvenWeeks, r.OddWeeks = days, slices.Clone(days)
		return r, nil
	}

	switch fold(*c.WeekType) {
	case "paire":
		r.EvenWeeks = days
	case "impaire":
		r.OddWeeks = days
	default:
		return snapshot.Record{}, fmt.Errorf("unknown week_type %q (want null, \"Paire\" or \"Impaire\")", *c.WeekType)
	}
	return r, nil
}

func parseDays(names []string) ([]time.Weekday, error) {
	if len(names) == 0 {
		return nil, nil
	}

	days := make([]time.Weekday, 0, len(names))
	for _, n := range names {
		d, err := parseFrenchWeekday(n)
		if err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	return days, nil
}
