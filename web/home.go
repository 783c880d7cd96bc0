package web

import (
	"net/http"

	"github.com/collecte-cacem/collecte/archive"
)

// homeCommits is how many recent snapshots the home page lists, and
// homeChanges how many changes it shows for each.
const (
	homeCommits = 5
	homeChanges = 12
)

type homePage struct {
	page
	Commit    archive.Commit
	Communes  int
	Quartiers int
	Addresses int
	Rules     int
	Missing   int
	Recent    []recentSnapshot
}

// recentSnapshot is one entry of the latest changes on the home page.
type recentSnapshot struct {
	Commit  archive.Commit
	Counts  map[string]int
	Changes []changeItem
	Total   int
	Hidden  int
	First   bool
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return
	}
	recent, err := s.recent(cur)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	s.render(w, r, http.StatusOK, "home", homePage{
		page:      s.newPage("Accueil", "accueil"),
		Commit:    s.inZone(cur.commit),
		Communes:  len(cur.communes),
		Quartiers: cur.quartiers,
		Addresses: len(cur.snap.Addresses),
		Rules:     len(cur.snap.Rules),
		Missing:   len(cur.missing),
		Recent:    recent,
	})
}

// recent reads the reports of the latest snapshots.
func (s *server) recent(cur *current) ([]recentSnapshot, error) {
	commits, err := s.store.log()
	if err != nil {
		return nil, err
	}
	if len(commits) > homeCommits {
		commits = commits[:homeCommits]
	}

	out := make([]recentSnapshot, 0, len(commits))
	for _, c := range commits {
		rep, err := s.store.report(c.Hash)
		if err != nil {
			return nil, err
		}
		shown := min(len(rep.Changes), homeChanges)
		out = append(out, recentSnapshot{
			Commit:  s.inZone(c),
			Counts:  rep.Counts,
			Changes: items(rep.Changes[:shown], cur.index),
			Total:   len(rep.Changes),
			Hidden:  len(rep.Changes) - shown,
			First:   c.Parent == "",
		})
	}
	return out, nil
}

// inZone returns c with its time in the zone of the pages.
func (s *server) inZone(c archive.Commit) archive.Commit {
	c.When = c.When.In(s.loc)
	return c
}
