package snapshot

import (
	"slices"
	"sort"
	"strings"
)

// Address returns the address with the given key.
func (s *Snapshot) Address(key string) (Address, bool) {
	i, ok := sort.Find(len(s.Addresses), func(i int) int {
		return strings.Compare(key, s.Addresses[i].Key)
	})
	if !ok {
		return Address{}, false
	}
	return s.Addresses[i], true
}

// Schedules returns the slots of every address and stream, indexed by
// address key then stream code. Slots keep the order of the rules.
func (s *Snapshot) Schedules() map[string]map[string][]Slot {
	out := make(map[string]map[string][]Slot, len(s.Addresses))
	for _, r := range s.Rules {
		byStream := out[r.Key]
		if byStream == nil {
			byStream = map[string][]Slot{}
			out[r.Key] = byStream
		}
		byStream[r.Flux] = append(byStream[r.Flux], Slot{Day: r.Day, Weeks: r.Weeks})
	}
	return out
}

// Streams returns the codes of the streams collected somewhere in the
// snapshot, that is with at least one rule, in StreamLess order.
func (s *Snapshot) Streams() []string {
	seen := map[string]bool{}
	for _, r := range s.Rules {
		seen[r.Flux] = true
	}
	codes := sortedKeys(seen)
	slices.SortFunc(codes, compareStreams)
	return codes
}

// Missing lists, for every address, the streams that the network collects
// somewhere in the snapshot but that this address has no day for. An address
// without any collection gets one entry per collected stream.
func (s *Snapshot) Missing() []Missing {
	streams := s.Streams()
	collected := make(map[Missing]bool, len(s.Rules))
	for _, r := range s.Rules {
		collected[Missing{Key: r.Key, Flux: r.Flux}] = true
	}

	var missing []Missing
	for _, a := range s.Addresses {
		for _, code := range streams {
			if m := (Missing{Key: a.Key, Flux: code}); !collected[m] {
				missing = append(missing, m)
			}
		}
	}
	return missing
}

func compareStreams(a, b string) int {
	switch {
	case a == b:
		return 0
	case StreamLess(a, b):
		return -1
	}
	return 1
}

// Carry copies into s the addresses of from whose keys are listed, with
// all their rules, replacing nothing that s already has. It keeps s sorted.
// A crawl uses it to keep the previous rules of an address whose request
// failed.
func (s *Snapshot) Carry(from *Snapshot, keys []string) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		if _, exists := s.Address(k); !exists {
			want[k] = true
		}
	}
	for _, a := range from.Addresses {
		if want[a.Key] {
			s.Addresses = append(s.Addresses, a)
		}
	}
	for _, r := range from.Rules {
		if want[r.Key] {
			s.Rules = append(s.Rules, r)
		}
	}
	s.sort()
}
