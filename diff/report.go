package diff

import "github.com/collecte-cacem/collecte/snapshot"

// Paths of the change report that each commit of the archive carries,
// relative to the archive root. The report compares the commit with its
// parent.
const (
	ReportJSONPath     = "reports/changes.json"
	ReportMarkdownPath = "reports/changes.md"
)

// The kinds of change between two snapshots, as written in the "kind" field.
const (
	// KindScheduleChanged is a stream collected in both snapshots on
	// different slots.
	KindScheduleChanged = "schedule_changed"
	// KindCollectionMissing is a stream that had slots and has none now, at
	// an address present in both snapshots: a newly missing collection.
	KindCollectionMissing = "collection_missing"
	// KindCollectionAdded is a stream that had no slot and has some now, at
	// an address present in both snapshots.
	KindCollectionAdded = "collection_added"
	// KindAddressAdded is an address present only in the newer snapshot.
	KindAddressAdded = "address_added"
	// KindAddressRemoved is an address present only in the older snapshot.
	KindAddressRemoved = "address_removed"
)

// kinds lists every kind in the order used to sort the changes of one
// address: the address kinds first, then the stream kinds.
var kinds = []string{
	KindAddressRemoved,
	KindAddressAdded,
	KindScheduleChanged,
	KindCollectionMissing,
	KindCollectionAdded,
}

// kindRank returns the position of kind in kinds, or len(kinds) for an
// unknown kind.
func kindRank(kind string) int {
	for i, k := range kinds {
		if k == kind {
			return i
		}
	}
	return len(kinds)
}

// streamKind reports whether kind is about one stream of an address, and so
// carries flux, before and after.
func streamKind(kind string) bool {
	switch kind {
	case KindScheduleChanged, KindCollectionMissing, KindCollectionAdded:
		return true
	}
	return false
}

// Report is the list of changes from one snapshot to the next.
type Report struct {
	// From is the revision (commit hash) of the older snapshot, empty when
	// there is none. Compare leaves it empty and the caller fills it in.
	From string `json:"from"`
	// To is the revision of the newer snapshot, empty when not yet known.
	To string `json:"to"`
	// Changes are sorted by commune, quartier, voie, address key, kind and
	// stream (see Compare). JSON always writes a list, [] when empty.
	Changes []Change `json:"changes"`
	// Counts maps every kind to its number of changes, zero counts included.
	Counts map[string]int `json:"counts"`
}

// Change is one difference at one address, or at one stream of an address.
type Change struct {
	Kind       string
	AdresseKey string
	AdresseID  string
	Commune    string
	Quartier   string
	Voie       string

	// Flux is the stream code. It is empty for the address kinds.
	Flux string
	// Before and After are the slots of the stream in the older and newer
	// snapshot, sorted from Monday to Sunday and then by weeks. They are nil
	// for the address kinds, and one of them is nil for collection_missing
	// and collection_added.
	Before []snapshot.Slot
	After  []snapshot.Slot
}

// Filter returns the report with only the changes for which keep returns
// true, and the counts recomputed.
func (r Report) Filter(keep func(Change) bool) Report {
	changes := []Change{}
	for _, c := range r.Changes {
		if keep(c) {
			changes = append(changes, c)
		}
	}

	return newReport(r.From, r.To, changes)
}

// newReport builds a report on changes, counting them. A nil changes becomes
// an empty list.
func newReport(from, to string, changes []Change) Report {
	if changes == nil {
		changes = []Change{}
	}
	return Report{From: from, To: to, Changes: changes, Counts: countKinds(changes)}
}

// countKinds maps every kind to its number of changes, zero included.
func countKinds(changes []Change) map[string]int {
	counts := make(map[string]int, len(kinds))
	for _, k := range kinds {
		counts[k] = 0
	}
	for _, c := range changes {
		counts[c.Kind]++
	}
	return counts
}
