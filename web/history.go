package web

import (
	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
)

// historyEntry is one snapshot that changed an address.
type historyEntry struct {
	Commit  archive.Commit
	Changes []diff.Change
	// First marks the first snapshot of the archive, which has no change
	// and lists the addresses that were there from the start.
	First bool
}

// history returns the snapshots that changed the address key, newest first,
// ending with the first snapshot of the archive when the address was in it.
//
// NOTE: this reads the change report of every commit at each call, which is
// fine for an archive of a few hundred snapshots. A larger archive needs an
// index of the changes by address.
func (s *server) history(key string) ([]historyEntry, error) {
	commits, err := s.store.log()
	if err != nil {
		return nil, err
	}

	var out []historyEntry
	var first *archive.Commit
	for _, c := range commits {
		if c.Parent == "" {
			first = &c
			continue
		}
		rep, err := s.store.report(c.Hash)
		if err != nil {
			return nil, err
		}
		rep = rep.Filter(func(ch diff.Change) bool { return ch.AdresseKey == key })
		if len(rep.Changes) > 0 {
			out = append(out, historyEntry{Commit: s.inZone(c), Changes: rep.Changes})
		}
	}

	if first != nil && presentFromStart(out) {
		out = append(out, historyEntry{Commit: s.inZone(*first), First: true})
	}
	return out, nil
}

// presentFromStart reports whether an address that is in the current
// snapshot was already in the first one: its oldest change, if any, does
// not add it.
func presentFromStart(entries []historyEntry) bool {
	if len(entries) == 0 {
		return true
	}
	for _, c := range entries[len(entries)-1].Changes {
		if c.Kind == diff.KindAddressAdded {
			return false
		}
	}
	return true
}
