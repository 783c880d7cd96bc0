package diff

import (
	"slices"

	"github.com/collecte-cacem/collecte/snapshot"
)

// Selection picks the changes that a watcher, a filtered feed or a web
// page follows. A change matches when its commune, its quartier or its
// address is listed, and Flux, when not empty, further keeps only the
// listed streams. A Selection with no commune, quartier or address follows
// every address. Names are compared without regard to case, accents and
// runs of whitespace, as address keys are.
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
	return slices.ContainsFunc(s.Flux, func(f string) bool { return snapshot.Fold(f) == snapshot.Fold(c.Flux) })
}

func (s Selection) matchPlace(c Change) bool {
	if len(s.Communes) == 0 && len(s.Quartiers) == 0 && len(s.Adresses) == 0 {
		return true
	}
	if containsFolded(s.Communes, c.Commune) || containsFolded(s.Adresses, c.AdresseKey) {
		return true
	}
	return containsFolded(s.Quartiers, c.Quartier)
}

func containsFolded(list []string, value string) bool {
	folded := snapshot.Fold(value)
	for _, item := range list {
		if snapshot.Fold(item) == folded {
			return true
		}
	}
	return false
}

// Select returns the part of r that s follows.
func (r Report) Select(s Selection) Report {
	return r.Filter(s.Match)
}
