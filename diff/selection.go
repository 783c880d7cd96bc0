package diff

import (
	"slices"

	"github.com/collecte-cacem/collecte/snapshot"
)

// Selection picks the changes that a watcher, a filtered feed or a web
// page follows. A change matches when its commune, its quartier or its
// address is listed, and Flux, when not empty, further keeps only the
// listed streams. A Selection with no commune, quartier or address follows
// every address. Commune and quartier names are compared as adresse_key
// builds them (snapshot.Slug), without regard to case, accents, spaces and
// punctuation: "saint joseph" follows SAINT-JOSEPH. Address keys and
// stream codes are compared with snapshot.Fold, without regard to case,
// accents and runs of spaces.
type Selection struct {
	Communes  []string `json:"communes,omitempty" yaml:"communes"`
	Quartiers []string `json:"quartiers,omitempty" yaml:"quartiers"`
	Adresses  []string `json:"adresses,omitempty" yaml:"adresses"`
	Flux      []string `json:"flux,omitempty" yaml:"flux"`
}

// Empty reports whether the selection follows everything.
func (s Selection) Empty() bool {
	return len(s.Communes) == 0 && len(s.Quartiers) == 0 && len(s.Adresses) == 0 && len(s.Flux) == 0
}

// Match reports whether the selection follows c. A change of a whole
// address (added or removed) matches a Flux filter, because the address
// gains or loses every stream.
func (s Selection) Match(c Change) bool {
	if !s.matchPlace(c) {
		return false
	}
	if len(s.Flux) == 0 || c.Flux == "" {
		return true
	}
	return slices.ContainsFunc(s.Flux, func(f string) bool { return KeyForm(f) == KeyForm(c.Flux) })
}

// NameForm returns the form in which a Selection compares commune and
// quartier names: snapshot.Slug, as adresse_key builds them.
func NameForm(name string) string {
	return snapshot.Slug(name)
}

// KeyForm returns the form in which a Selection compares address keys and
// stream codes: snapshot.Fold.
func KeyForm(s string) string {
	return snapshot.Fold(s)
}

func (s Selection) matchPlace(c Change) bool {
	if len(s.Communes) == 0 && len(s.Quartiers) == 0 && len(s.Adresses) == 0 {
		return true
	}
	if containsName(s.Communes, c.Commune) || containsFolded(s.Adresses, c.AdresseKey) {
		return true
	}
	return containsName(s.Quartiers, c.Quartier)
}

func containsFolded(list []string, value string) bool {
	return containsAs(KeyForm, list, value)
}

// containsName reports whether list has a commune or quartier name that
// gives the same part of an adresse_key as value.
func containsName(list []string, value string) bool {
	return containsAs(NameForm, list, value)
}

func containsAs(normalize func(string) string, list []string, value string) bool {
	normalized := normalize(value)
	for _, item := range list {
		if normalize(item) == normalized {
			return true
		}
	}
	return false
}

// Unmatched is a commune, quartier or address value of a Selection that
// names no address of a snapshot.
type Unmatched struct {
	// Field is "communes", "quartiers" or "adresses".
	Field string
	Value string
}

// Unmatched returns the commune, quartier and address values of s that
// name no address of snap, in the order of s. Such a value is valid,
// because the site may list it later, but it is often a misspelling.
func (s Selection) Unmatched(snap *snapshot.Snapshot) []Unmatched {
	communes, quartiers, keys := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range snap.Addresses {
		communes[snapshot.Slug(a.Commune)] = true
		quartiers[snapshot.Slug(a.Quartier)] = true
		keys[snapshot.Fold(a.Key)] = true
	}

	var out []Unmatched
	add := func(field string, values []string, known map[string]bool, normalize func(string) string) {
		for _, v := range values {
			if !known[normalize(v)] {
				out = append(out, Unmatched{Field: field, Value: v})
			}
		}
	}
	add("communes", s.Communes, communes, snapshot.Slug)
	add("quartiers", s.Quartiers, quartiers, snapshot.Slug)
	add("adresses", s.Adresses, keys, snapshot.Fold)
	return out
}

// Select returns the part of r that s follows.
func (r Report) Select(s Selection) Report {
	return r.Filter(s.Match)
}
