package diff

import (
	"slices"
	"sort"

	"github.com/collecte-cacem/collecte/snapshot"
)

// indexed is one snapshot arranged for comparison: its addresses by key, and
// the slots of each (key, stream) pair.
type indexed struct {
	addresses map[string]snapshot.Address
	slots     map[string]map[string][]snapshot.Slot
}

// Compare returns the changes from snapshot from to snapshot to, compared by
// address key.
//
// At an address present in both, each stream present in either is compared
// on its slots taken as a set: two non-empty different sets give
// schedule_changed, slots that vanish give collection_missing and slots that
// appear give collection_added. An address present only in to gives one
// address_added change and an address only in from one address_removed
// change, without stream changes. The names of a change come from to when
// the address is there, else from from.
//
// A nil from means there is no older snapshot: the report is then a baseline
// with no change, and the caller tells the first snapshot apart by its empty
// From. A nil to counts as an empty snapshot. From and To of the report are
// left empty for the caller to fill in.
func Compare(from, to *snapshot.Snapshot) Report {
	if from == nil {
		return newReport("", "", nil)
	}

	before := index(from)
	after := index(to)
	var changes []Change
	for _, key := range unionKeys(before.addresses, after.addresses, func(a, b string) bool { return a < b }) {
		changes = append(changes, compareAddress(key, before, after)...)
	}

	sortChanges(changes)
	return newReport("", "", changes)
}

// index arranges s for comparison. The slots of each stream are sorted and
// duplicates dropped, so that two equal sets compare equal.
func index(s *snapshot.Snapshot) indexed {
	ix := indexed{
		addresses: map[string]snapshot.Address{},
		slots:     map[string]map[string][]snapshot.Slot{},
	}
	if s == nil {
		return ix
	}

	for _, a := range s.Addresses {
		ix.addresses[a.Key] = a
	}
	for _, r := range s.Rules {
		streams := ix.slots[r.Key]
		if streams == nil {
			streams = map[string][]snapshot.Slot{}
			ix.slots[r.Key] = streams
		}
		streams[r.Flux] = append(streams[r.Flux], snapshot.Slot{Day: r.Day, Weeks: r.Weeks})
	}

	for _, streams := range ix.slots {
		for flux, slots := range streams {
			slices.SortFunc(slots, compareSlots)
			streams[flux] = slices.Compact(slots)
		}
	}
	return ix
}

// compareAddress returns the changes at one address key.
func compareAddress(key string, before, after indexed) []Change {
	old, inBefore := before.addresses[key]
	cur, inAfter := after.addresses[key]
	switch {
	case !inBefore:
		return []Change{addressChange(KindAddressAdded, cur)}
	case !inAfter:
		return []Change{addressChange(KindAddressRemoved, old)}
	}

	var changes []Change
	oldStreams := before.slots[key]
	newStreams := after.slots[key]
	for _, flux := range unionKeys(oldStreams, newStreams, snapshot.StreamLess) {
		kind := streamChange(oldStreams[flux], newStreams[flux])
		if kind == "" {
			continue
		}
		c := addressChange(kind, cur)
		c.Flux = flux
		c.Before = oldStreams[flux]
		c.After = newStreams[flux]
		changes = append(changes, c)
	}
	return changes
}

// streamChange returns the kind of change between two sorted slot lists, or
// "" when they are equal.
func streamChange(before, after []snapshot.Slot) string {
	switch {
	case slices.Equal(before, after):
		return ""
	case len(after) == 0:
		return KindCollectionMissing
	case len(before) == 0:
		return KindCollectionAdded
	}
	return KindScheduleChanged
}

// addressChange returns a change of kind carrying the names of a.
func addressChange(kind string, a snapshot.Address) Change {
	return Change{
		Kind:       kind,
		AdresseKey: a.Key,
		AdresseID:  a.ID,
		Commune:    a.Commune,
		Quartier:   a.Quartier,
		Voie:       a.Voie,
	}
}

// unionKeys returns the keys of both maps, sorted by less.
func unionKeys[V any](a, b map[string]V, less func(a, b string) bool) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}

	sort.Slice(keys, func(i, j int) bool { return less(keys[i], keys[j]) })
	return keys
}
