package feed

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/history/historytest"
)

// TestEntriesIndexMatchesWalk compares the feed entries that the history
// index gives with those of the walk over the reports, for selections by
// commune, quartier, address and stream, with limits below and above the
// number of matching commits.
func TestEntriesIndexMatchesWalk(t *testing.T) {
	archives := []struct {
		name string
		opt  historytest.Options
	}{
		{"complete", historytest.Options{Seed: 51}},
		{"older commits", historytest.Options{Seed: 52, WithoutReport: []int{5}, WithoutManifest: []int{0, 7}}},
	}
	selections := []diff.Selection{
		{},
		{Communes: []string{"FORT-DE-FRANCE"}},
		{Communes: []string{"fort de france"}},
		{Quartiers: []string{"hyper centre ville"}, Flux: []string{"om"}},
		{Communes: []string{"schoelcher"}, Flux: []string{"RS"}},
		{Quartiers: []string{"Cœur Bouliki", "acajou"}},
		{Quartiers: []string{"ACAJOU"}, Flux: []string{"dv"}},
		{Adresses: []string{historytest.CollidingKey}},
		{Adresses: []string{historytest.ReturningKey, historytest.StreamKey}, Flux: []string{"OM"}},
		{Adresses: []string{"nowhere_at_all"}},
		{Flux: []string{"DECHETS_DANGEREUX"}},
		{Communes: []string{"Nowhere"}, Flux: []string{"OM"}},
	}

	for _, arc := range archives {
		g := historytest.Build(t, 14, arc.opt)
		for _, sel := range selections {
			for _, limit := range []int{1, 3, 50} {
				t.Run(fmt.Sprintf("%s %+v limit %d", arc.name, sel, limit), func(t *testing.T) {
					var indexed []Entry
					err := history.New(g.Archive, nil).View(func(r *history.Reader) error {
						var err error
						indexed, err = indexedEntries(r, sel, limit)
						return err
					})
					if err != nil {
						t.Fatalf("entries from the index: %v", err)
					}
					walked, err := walkEntries(g.Archive, sel, limit)
					if err != nil {
						t.Fatalf("entries from the walk: %v", err)
					}
					if !reflect.DeepEqual(indexed, walked) {
						t.Errorf("entries from the index:\n%+v\nfrom the walk:\n%+v", indexed, walked)
					}
					if got, want := atom(t, indexed, sel), atom(t, walked, sel); got != want {
						t.Errorf("feed from the index differs from the walk:\n got:\n%s\nwant:\n%s", got, want)
					}
				})
			}
		}
	}
}

func atom(t *testing.T, entries []Entry, sel diff.Selection) string {
	t.Helper()
	f, err := Render(entries, sel, time.Time{}, Options{PublicURL: "https://collecte.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteAtom(&out, f); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
