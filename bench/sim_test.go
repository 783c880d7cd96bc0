package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
)

// frenchDays are the weekday names of the generation-1 site, Monday first.
var frenchDays = []string{"Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"}

// simulator evolves the real 2021 site one change at a time and produces the
// files that the pipeline would commit for each state, without crawling:
// data files, raw bodies, manifest and change reports.
type simulator struct {
	site   *replay.Legacy
	places map[int]snapshot.Place
	rng    *rand.Rand
	raw    archive.Files
	snap   *snapshot.Snapshot
	url    string

	// parent is the hash of the commit that the next report compares
	// with, which the pipeline writes as the report's "from".
	parent string
}

// newSimulator crawls the real 2021 site once on loopback, so that the raw
// bodies are the ones a real crawl stores, and builds its first snapshot.
func newSimulator(tb testing.TB, seed uint64) *simulator {
	tb.Helper()

	site := mustLegacy2021(tb)
	srv, _ := serveLegacy(tb, site)
	crawled := mustCrawl(tb, crawler.SourceLegacy, srv.URL)

	s := &simulator{
		site:   site,
		places: legacyPlaces(site),
		rng:    rand.New(rand.NewPCG(seed, seed)),
		raw:    archive.Files{},
		url:    srv.URL,
	}
	for path, body := range crawled.Raw {
		s.raw[path] = body
	}
	s.snap, _ = snapshot.Build(legacyRecords(site, s.places), nil)
	return s
}

// legacyPlaces resolves every address of l to its names, as the crawler
// joins the three lists.
func legacyPlaces(l *replay.Legacy) map[int]snapshot.Place {
	communes := map[int]string{}
	for _, c := range l.Communes {
		communes[c.ID] = c.Name
	}
	quartiers := map[int]replay.LegacyQuartier{}
	for _, q := range l.Quartiers {
		quartiers[q.ID] = q
	}

	places := map[int]snapshot.Place{}
	for _, a := range l.Adresses {
		q := quartiers[a.QuartierID]
		places[a.ID] = snapshot.Place{ID: strconv.Itoa(a.ID), Commune: communes[q.CommuneID], Quartier: q.Name, Voie: a.Name}
	}
	return places
}

// legacyRecords returns the records that a crawl of l decodes.
func legacyRecords(l *replay.Legacy, places map[int]snapshot.Place) []snapshot.Record {
	var recs []snapshot.Record
	for _, a := range l.Adresses {
		p := places[a.ID]
		items := l.Collectes[a.ID]
		if len(items) == 0 {
			recs = append(recs, snapshot.Record{Place: p})
			continue
		}
		for _, item := range items {
			recs = append(recs, legacyRecord(p, item))
		}
	}
	return recs
}

func legacyRecord(p snapshot.Place, item replay.LegacyCollecte) snapshot.Record {
	var days []time.Weekday
	for _, name := range item.Days {
		d, _ := snapshot.ParseDay(name)
		days = append(days, d)
	}

	r := snapshot.Record{Place: p, Label: item.Title}
	switch item.WeekType {
	case "Paire":
		r.EvenWeeks = days
	case "Impaire":
		r.OddWeeks = days
	default:
		r.EvenWeeks, r.OddWeeks = days, slices.Clone(days)
	}
	return r
}

// mutate moves one collection day of n addresses picked at random, and
// re-renders their raw bodies. It returns the changed raw paths.
func (s *simulator) mutate(n int) []string {
	var paths []string
	for len(paths) < n {
		a := s.site.Adresses[s.rng.IntN(len(s.site.Adresses))]
		items := s.site.Collectes[a.ID]
		if len(items) == 0 {
			continue
		}
		item := &items[s.rng.IntN(len(items))]
		if !moveDay(item, s.rng) {
			continue
		}
		paths = append(paths, s.render(a))
	}
	return paths
}

// moveDay replaces one day of item by a day it does not list yet.
func moveDay(item *replay.LegacyCollecte, rng *rand.Rand) bool {
	if len(item.Days) == 0 || len(item.Days) == len(frenchDays) {
		return false
	}
	for {
		day := frenchDays[rng.IntN(len(frenchDays))]
		if !slices.Contains(item.Days, day) {
			item.Days = slices.Clone(item.Days)
			item.Days[rng.IntN(len(item.Days))] = day
			return true
		}
	}
}

// render stores the raw body that the site now serves for address a.
func (s *simulator) render(a replay.LegacyAdresse) string {
	one := &replay.Legacy{
		Adresses:  []replay.LegacyAdresse{a},
		Collectes: map[int][]replay.LegacyCollecte{a.ID: s.site.Collectes[a.ID]},
	}
	id := strconv.Itoa(a.ID)
	rec := httptest.NewRecorder()
	one.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/get/collectes/"+id, nil))

	path := "raw/get/collectes/" + id + ".json"
	s.raw[path] = rec.Body.Bytes()
	return path
}

// next mutates n addresses and returns the files of the resulting commit,
// with the report comparing it with the previous state.
func (s *simulator) next(n int, when time.Time) (archive.Files, error) {
	s.mutate(n)

	prev := s.snap
	s.snap, _ = snapshot.Build(legacyRecords(s.site, s.places), prev)
	return s.files(prev, when)
}

// files renders the current state as the pipeline lays out a commit.
func (s *simulator) files(prev *snapshot.Snapshot, when time.Time) (archive.Files, error) {
	data, err := snapshot.Encode(s.snap)
	if err != nil {
		return nil, err
	}
	out := archive.Files{}
	for path, content := range data {
		out[path] = content
	}
	for path, content := range s.raw {
		out[path] = content
	}

	m := snapshot.Manifest{Source: crawler.SourceLegacy, URL: s.url, Version: "bench",
		Started: when, Finished: when.Add(2 * time.Minute), Requests: len(s.raw) + 1,
		Addresses: len(s.snap.Addresses), Rules: len(s.snap.Rules), Warnings: []snapshot.Warning{}}
	if out[snapshot.ManifestPath], err = snapshot.EncodeManifest(m); err != nil {
		return nil, err
	}

	r := diff.Report{Changes: []diff.Change{}}
	if prev != nil {
		r = diff.Compare(prev, s.snap)
		r.From = s.parent
	}
	var js, md bytes.Buffer
	if err := diff.WriteJSON(&js, r); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	if err := diff.WriteMarkdown(&md, r); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	out["reports/changes.json"], out["reports/changes.md"] = js.Bytes(), md.Bytes()
	return out, nil
}
