package export

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

// Meta identifies the snapshot that WriteJSON renders. Both fields are
// optional and left out of the document when zero.
type Meta struct {
	// Commit is the archive commit hash of the snapshot.
	Commit string
	// Date is the commit time.
	Date time.Time
}

// document is the JSON shape that WriteJSON writes. Its names are those of
// the CSV columns, in French.
type document struct {
	SchemaVersion string     `json:"schema_version"`
	Commit        string     `json:"commit,omitempty"`
	Date          *time.Time `json:"date,omitempty"`
	Flux          []stream   `json:"flux"`
	Adresses      []address  `json:"adresses"`
}

type stream struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
}

type address struct {
	Key       string     `json:"adresse_key"`
	ID        string     `json:"adresse_id"`
	Commune   string     `json:"commune"`
	Quartier  string     `json:"quartier"`
	Voie      string     `json:"voie"`
	Collectes []schedule `json:"collectes"`
	// Manquantes lists the streams that the network collects but this
	// address has no day for.
	Manquantes []string `json:"collectes_manquantes"`
}

type schedule struct {
	Flux  string `json:"flux"`
	Jours []slot `json:"jours"`
}

type slot struct {
	Jour    string `json:"jour"`
	Semaine string `json:"semaine"`
}

// WriteJSON writes one indented JSON document of the snapshot: the schema
// version, the streams collected somewhere with their French names, and
// every address in key order with its collection days per stream and its
// missing streams. Arrays are never null.
func WriteJSON(w io.Writer, s *snapshot.Snapshot, meta Meta) error {
	doc := document{
		SchemaVersion: snapshot.SchemaVersion,
		Commit:        meta.Commit,
		Flux:          []stream{},
		Adresses:      make([]address, 0, len(s.Addresses)),
	}
	if !meta.Date.IsZero() {
		doc.Date = &meta.Date
	}
	for _, code := range s.Streams() {
		doc.Flux = append(doc.Flux, stream{Code: code, Nom: snapshot.StreamName(code)})
	}

	schedules := s.Schedules()
	missing := missingByKey(s.Missing())
	for _, a := range s.Addresses {
		doc.Adresses = append(doc.Adresses, newAddress(a, schedules[a.Key], missing[a.Key]))
	}

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json export: %w", err)
	}
	return nil
}

func missingByKey(missing []snapshot.Missing) map[string][]string {
	out := map[string][]string{}
	for _, m := range missing {
		out[m.Key] = append(out[m.Key], m.Flux)
	}
	return out
}

// newAddress lists the streams of one address in the order of
// Snapshot.Streams, which is StreamLess order.
func newAddress(a snapshot.Address, slots map[string][]snapshot.Slot, missing []string) address {
	out := address{
		Key: a.Key, ID: a.ID, Commune: a.Commune, Quartier: a.Quartier, Voie: a.Voie,
		Collectes:  []schedule{},
		Manquantes: []string{},
	}
	out.Manquantes = append(out.Manquantes, missing...)

	for _, code := range sortedStreams(slots) {
		sch := schedule{Flux: code, Jours: []slot{}}
		for _, sl := range slots[code] {
			sch.Jours = append(sch.Jours, slot{Jour: snapshot.DayName(sl.Day), Semaine: string(sl.Weeks)})
		}
		out.Collectes = append(out.Collectes, sch)
	}
	return out
}

func sortedStreams(slots map[string][]snapshot.Slot) []string {
	codes := make([]string, 0, len(slots))
	for code := range slots {
		codes = append(codes, code)
	}
	slices.SortFunc(codes, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case snapshot.StreamLess(a, b):
			return -1
		}
		return 1
	})
	return codes
}
