package web

import (
	"fmt"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
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
// It reads the history index, or the change report of every commit when
// the index is unavailable.
func (s *server) history(key string) ([]historyEntry, error) {
	var out []historyEntry
	ok, err := s.store.indexed(func(r *history.Reader) error {
		var err error
		out, err = s.indexedHistory(r, key)
		return err
	})
	if ok {
		return out, err
	}
	return s.walkHistory(key)
}

// indexedHistory returns what walkHistory returns, from the index.
func (s *server) indexedHistory(r *history.Reader, key string) ([]historyEntry, error) {
	if r.MissingReports() > 0 {
		// The walk fails on such a commit, so it must give that error.
		return nil, fmt.Errorf("%w: %d commits have no report", history.ErrUnavailable, r.MissingReports())
	}
	changed, err := r.Address(key)
	if err != nil {
		return nil, err
	}
	var out []historyEntry
	for _, ch := range changed {
		if ch.Commit.Seq > 0 {
			out = append(out, historyEntry{Commit: s.inZone(ch.Commit.Commit), Changes: ch.Changes})
		}
	}
	if presentFromStart(out) {
		first, err := r.Commit(0)
		if err != nil {
			return nil, err
		}
		out = append(out, historyEntry{Commit: s.inZone(first.Commit), First: true})
	}
	return out, nil
}

// walkHistory returns the history of the address key from the change
// report of every commit.
func (s *server) walkHistory(key string) ([]historyEntry, error) {
	commits, err := s.store.walkLog()
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
