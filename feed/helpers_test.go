package feed

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testHistory is an archive of three commits crawled from the 2021 capture: the
// baseline, four changes in FORT-DE-FRANCE (BALATA and HYPER CENTRE-VILLE),
// and a commit where only the raw capture changed.
type testHistory struct {
	archive                    *archive.Archive
	baseline, changed, rawOnly string
}

var (
	historyOnce sync.Once
	historyDir  string
	shared      testHistory
	historyErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if historyDir != "" {
		os.RemoveAll(historyDir)
	}
	os.Exit(code)
}

// sharedHistory builds the history once for every test of the package.
// Tests only read it.
func sharedHistory(t *testing.T) testHistory {
	t.Helper()
	historyOnce.Do(func() {
		historyDir, historyErr = os.MkdirTemp("", "feed-test-")
		if historyErr == nil {
			shared, historyErr = buildHistory(filepath.Join(historyDir, "archive"))
		}
	})
	if historyErr != nil {
		t.Fatal(historyErr)
	}
	return shared
}

func buildHistory(dir string) (testHistory, error) {
	a, err := archive.Open(dir)
	if err != nil {
		return testHistory{}, err
	}
	original, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		return testHistory{}, err
	}
	sw := replay.NewSwitch(original.Handler())
	srv := httptest.NewServer(sw)
	defer srv.Close()

	h := testHistory{archive: a}
	if h.baseline, err = crawl(a, srv.URL); err != nil {
		return h, err
	}
	changed := original.Clone()
	mutate(changed)
	sw.Set(changed.Handler())
	if h.changed, err = crawl(a, srv.URL); err != nil {
		return h, err
	}
	reordered := changed.Clone()
	reorderDays(reordered)
	sw.Set(reordered.Handler())
	h.rawOnly, err = crawl(a, srv.URL)
	return h, err
}

func crawl(a *archive.Archive, url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := pipeline.Run(ctx, pipeline.Options{
		Crawler: crawler.Config{
			Source: crawler.SourceLegacy, BaseURL: url, Parallel: 8, DelaySet: true,
			Backoff: func(int) time.Duration { return time.Millisecond },
		},
		Archive: a,
	})
	if err != nil {
		return "", err
	}
	return res.Commit.Hash, nil
}

// mutate changes the 2021 site: Absalon (BALATA) gets other household-waste
// days and loses its packaging stream, address 467 of HYPER CENTRE-VILLE is
// removed and "Rue Nouvelle" is added to BALATA.
func mutate(l *replay.Legacy) {
	var kept []replay.LegacyCollecte
	for _, c := range l.Collectes[3] {
		switch c.Title {
		case "Ordures ménagères (bac gris)":
			c.Days = []string{"Mercredi", "Vendredi"}
		case "Emballages (bac jaune)":
			continue
		}
		kept = append(kept, c)
	}
	l.Collectes[3] = kept

	l.Adresses = slices.DeleteFunc(l.Adresses, func(a replay.LegacyAdresse) bool { return a.ID == 467 })
	delete(l.Collectes, 467)
	l.Adresses = append(l.Adresses, replay.LegacyAdresse{ID: 9999, Name: "Rue Nouvelle", QuartierID: 1})
	l.Collectes[9999] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
}

// reorderDays serves the days of Absalon in another order: the raw capture
// changes, the schedules do not.
func reorderDays(l *replay.Legacy) {
	for i := range l.Collectes[3] {
		slices.Reverse(l.Collectes[3][i].Days)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./feed -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n%s", path, got)
	}
}
