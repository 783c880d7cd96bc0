package web

import (
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// changeItem is one change in a list, with Link true when the address is in
// the current snapshot and so has a page.
type changeItem struct {
	diff.Change
	Link bool
}

// changeCommune and changeQuartier arrange changes under headings.
type changeCommune struct {
	Commune   string
	Quartiers []changeQuartier
}

type changeQuartier struct {
	Quartier string
	Changes  []changeItem
}

// groupChanges arranges at most limit changes, already sorted by commune
// and quartier as diff.Compare sorts them, under one heading per commune
// and quartier compared in folded form. A limit of zero or less means no
// limit. index holds the addresses that have a page.
func groupChanges(changes []diff.Change, limit int, index map[string]snapshot.Address) []changeCommune {
	if limit > 0 && len(changes) > limit {
		changes = changes[:limit]
	}
	var out []changeCommune
	for _, c := range changes {
		n := len(out)
		if n == 0 || snapshot.Fold(out[n-1].Commune) != snapshot.Fold(c.Commune) {
			out = append(out, changeCommune{Commune: c.Commune})
			n++
		}
		commune := &out[n-1]
		m := len(commune.Quartiers)
		if m == 0 || snapshot.Fold(commune.Quartiers[m-1].Quartier) != snapshot.Fold(c.Quartier) {
			commune.Quartiers = append(commune.Quartiers, changeQuartier{Quartier: c.Quartier})
			m++
		}
		_, link := index[c.AdresseKey]
		q := &commune.Quartiers[m-1]
		q.Changes = append(q.Changes, changeItem{Change: c, Link: link})
	}
	return out
}

// items marks the changes whose address has a page in index.
func items(changes []diff.Change, index map[string]snapshot.Address) []changeItem {
	out := make([]changeItem, 0, len(changes))
	for _, c := range changes {
		_, link := index[c.AdresseKey]
		out = append(out, changeItem{Change: c, Link: link})
	}
	return out
}
