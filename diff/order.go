package diff

import (
	"cmp"
	"slices"

	"github.com/collecte-cacem/collecte/snapshot"
)

// sortChanges sorts changes by the folded commune, quartier and voie, then
// the same names as published, then address key, kind (in the order of
// kinds) and stream (in snapshot.StreamLess order). Comparing the folded
// names first keeps "SCHOELCHER" and "Schoelcher" in one group.
func sortChanges(changes []Change) {
	// Fold each change's names once, not at every comparison.
	keyed := make([]sortableChange, len(changes))
	for i, c := range changes {
		keyed[i] = sortableChange{
			change:   c,
			commune:  snapshot.Fold(c.Commune),
			quartier: snapshot.Fold(c.Quartier),
			voie:     snapshot.Fold(c.Voie),
		}
	}
	slices.SortStableFunc(keyed, compareChanges)
	for i, k := range keyed {
		changes[i] = k.change
	}
}

// sortableChange is a change with its folded names.
type sortableChange struct {
	change                  Change
	commune, quartier, voie string
}

func compareChanges(a, b sortableChange) int {
	return cmp.Or(
		compareNames(a, b),
		cmp.Compare(a.change.AdresseKey, b.change.AdresseKey),
		cmp.Compare(kindRank(a.change.Kind), kindRank(b.change.Kind)),
		cmp.Compare(a.change.Kind, b.change.Kind),
		compareStreams(a.change.Flux, b.change.Flux),
	)
}

// compareNames orders two changes by their folded names, then by their names
// as published.
func compareNames(a, b sortableChange) int {
	return cmp.Or(
		cmp.Compare(a.commune, b.commune),
		cmp.Compare(a.quartier, b.quartier),
		cmp.Compare(a.voie, b.voie),
		cmp.Compare(a.change.Commune, b.change.Commune),
		cmp.Compare(a.change.Quartier, b.change.Quartier),
		cmp.Compare(a.change.Voie, b.change.Voie),
	)
}

func compareStreams(a, b string) int {
	switch {
	case snapshot.StreamLess(a, b):
		return -1
	case snapshot.StreamLess(b, a):
		return 1
	}
	return 0
}

// compareSlots orders slots from Monday to Sunday, then every week, even
// weeks, odd weeks and any other value alphabetically.
func compareSlots(a, b snapshot.Slot) int {
	return cmp.Or(
		cmp.Compare(snapshot.DayRank(a.Day), snapshot.DayRank(b.Day)),
		cmp.Compare(weeksRank(a.Weeks), weeksRank(b.Weeks)),
		cmp.Compare(a.Weeks, b.Weeks),
	)
}

func weeksRank(w snapshot.Weeks) int {
	switch w {
	case snapshot.Every:
		return 0
	case snapshot.Even:
		return 1
	case snapshot.Odd:
		return 2
	}
	return 3
}
