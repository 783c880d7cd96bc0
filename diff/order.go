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
	slices.SortStableFunc(changes, compareChanges)
}

func compareChanges(a, b Change) int {
	return cmp.Or(
		compareNames(a, b),
		cmp.Compare(a.AdresseKey, b.AdresseKey),
		cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
		cmp.Compare(a.Kind, b.Kind),
		compareStreams(a.Flux, b.Flux),
	)
}

// compareNames orders two changes by their folded names, then by their names
// as published.
func compareNames(a, b Change) int {
	return cmp.Or(
		cmp.Compare(snapshot.Fold(a.Commune), snapshot.Fold(b.Commune)),
		cmp.Compare(snapshot.Fold(a.Quartier), snapshot.Fold(b.Quartier)),
		cmp.Compare(snapshot.Fold(a.Voie), snapshot.Fold(b.Voie)),
		cmp.Compare(a.Commune, b.Commune),
		cmp.Compare(a.Quartier, b.Quartier),
		cmp.Compare(a.Voie, b.Voie),
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
