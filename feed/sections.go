package feed

import (
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Section is the changes of one quartier of one commune, as a report lists
// them under a heading.
type Section struct {
	Commune  string
	Quartier string
	Items    []Item
}

// Item is one change ready to render: the street, the link to its web view
// and the French description of the change (see Describe).
type Item struct {
	Voie string
	URL  string
	Text string
}

// Sections groups the first max changes of r by commune and quartier, in
// the order of the report, and returns how many changes were left out. A max
// of zero or less means no limit. Names are compared by their folded form,
// so spellings that differ only in case share a section, and are cleaned
// with Name.
func Sections(r diff.Report, l Links, max int) ([]Section, int) {
	changes := r.Changes
	omitted := 0
	if max > 0 && len(changes) > max {
		omitted = len(changes) - max
		changes = changes[:max]
	}

	var out []Section
	for _, c := range changes {
		n := len(out)
		if n == 0 || snapshot.Fold(out[n-1].Commune) != snapshot.Fold(Name(c.Commune)) ||
			snapshot.Fold(out[n-1].Quartier) != snapshot.Fold(Name(c.Quartier)) {
			out = append(out, Section{Commune: Name(c.Commune), Quartier: Name(c.Quartier)})
		}
		item := Item{Voie: Name(c.Voie), URL: l.Address(c.AdresseKey), Text: Describe(c)}
		out[len(out)-1].Items = append(out[len(out)-1].Items, item)
	}
	return out, omitted
}
