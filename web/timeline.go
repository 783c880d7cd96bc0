package web

import (
	"net/http"

	"github.com/collecte-cacem/collecte/archive"
)

type timelinePage struct {
	page
	Entries []timelineEntry
	Charts  []chart
}

// timelineEntry is one snapshot of the timeline, with the figures of its
// crawl manifest when it has one.
type timelineEntry struct {
	Commit      archive.Commit
	Counts      map[string]int
	First       bool
	HasManifest bool
	Addresses   int
	Rules       int
	Missing     int
}

func (s *server) timeline(w http.ResponseWriter, r *http.Request) {
	sums, err := s.store.summaries()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(sums) == 0 {
		s.fail(w, r, archive.ErrEmpty)
		return
	}

	entries := make([]timelineEntry, 0, len(sums))
	for _, sum := range sums {
		e := timelineEntry{
			Commit: s.inZone(sum.commit),
			Counts: sum.counts,
			First:  sum.commit.Parent == "",
		}
		if m := sum.manifest; m.Present {
			e.HasManifest = true
			e.Addresses, e.Rules, e.Missing = m.Addresses, m.Rules, m.Missing
		}
		entries = append(entries, e)
	}

	s.render(w, r, http.StatusOK, "timeline", timelinePage{
		page:    s.newPage("Chronologie des relevés", "chronologie"),
		Entries: entries,
		Charts:  timelineCharts(entries),
	})
}
