package web

import (
	"reflect"
	"testing"

	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/history/historytest"
)

// TestHistoryIndexMatchesWalk compares the address histories, the
// timeline summaries and the commits that the pages get from the history
// index with those read from every report.
func TestHistoryIndexMatchesWalk(t *testing.T) {
	g := historytest.Build(t, 12, historytest.Options{Seed: 41, WithoutManifest: []int{4}})
	s := newServer(g.Archive, Options{})
	keys := []string{historytest.CollidingKey, historytest.OtherCollidingKey, historytest.ReturningKey,
		historytest.StreamKey, "fort-de-france_balata_rue-a0", "nowhere_at_all"}

	err := history.New(g.Archive, nil).View(func(r *history.Reader) error {
		for _, key := range keys {
			indexed, err := s.indexedHistory(r, key)
			if err != nil {
				return err
			}
			walked, err := s.walkHistory(key)
			if err != nil {
				return err
			}
			for i := range walked {
				walked[i].Commit.Message = ""
			}
			if !reflect.DeepEqual(indexed, walked) {
				t.Errorf("history of %s from the index:\n%+v\nfrom the walk:\n%+v", key, indexed, walked)
			}
		}

		indexed, err := indexedSummaries(r)
		if err != nil {
			return err
		}
		walked, err := s.store.walkSummaries()
		if err != nil {
			return err
		}
		for i := range walked {
			walked[i].commit.Message = ""
		}
		if !reflect.DeepEqual(indexed, walked) {
			t.Errorf("summaries from the index:\n%+v\nfrom the walk:\n%+v", indexed, walked)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	commits, err := s.store.log()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range g.Hashes {
		got, err := s.store.commit(c)
		if err != nil || !reflect.DeepEqual(got, commits[len(commits)-1-i]) {
			t.Errorf("commit(%s) = %+v, %v; want %+v", c, got, err, commits[len(commits)-1-i])
		}
	}
}

// TestHistoryWithoutReportFails checks that the address page still fails
// on a commit without a report, as the walk does, although the index holds
// that commit.
func TestHistoryWithoutReportFails(t *testing.T) {
	g := historytest.Build(t, 4, historytest.Options{Seed: 42, WithoutReport: []int{2}})
	s := newServer(g.Archive, Options{})
	if _, err := s.history(historytest.CollidingKey); err == nil {
		t.Error("history over a commit without a report: no error, want the walk's error")
	}
	if _, err := s.store.summaries(); err == nil {
		t.Error("summaries over a commit without a report: no error, want the walk's error")
	}
}
