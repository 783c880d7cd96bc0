package web

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

// pinnedNow is the time of every test page: Wednesday 30 December 2026 at
// 10:00 in Martinique, in ISO week 53, so the next dates cross into 2027.
var pinnedNow = time.Date(2026, 12, 30, 14, 0, 0, 0, time.UTC)

// absalonKey is the address that the second crawl of the test archive
// changes: household waste moves to Wednesday and Friday, and the yellow
// bin is dropped.
const absalonKey = "fort-de-france_balata_absalon"

// twoSnapshots is the archive shared by the tests that only read it: the
// real 2021 capture, then the same site with four changes.
var twoSnapshots struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if twoSnapshots.dir != "" {
		os.RemoveAll(filepath.Dir(twoSnapshots.dir))
	}
	os.Exit(code)
}

// sharedArchive returns the two-snapshot archive, built on first use.
func sharedArchive(tb testing.TB) *archive.Archive {
	tb.Helper()
	twoSnapshots.once.Do(func() {
		tmp, err := os.MkdirTemp("", "collecte-web-test-")
		if err != nil {
			twoSnapshots.err = err
			return
		}
		twoSnapshots.dir = filepath.Join(tmp, "archive")
		twoSnapshots.err = buildTwoSnapshots(twoSnapshots.dir)
	})
	if twoSnapshots.err != nil {
		tb.Fatalf("build test archive: %v", twoSnapshots.err)
	}
	a, err := archive.Open(twoSnapshots.dir)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// buildTwoSnapshots crawls the real 2021 capture into dir, then a copy with
// a day moved, a stream dropped, an address removed and an address added.
func buildTwoSnapshots(dir string) error {
	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		return err
	}
	a, err := archive.Open(dir)
	if err != nil {
		return err
	}
	sw := replay.NewSwitch(l.Handler())
	srv := httptest.NewServer(sw)
	defer srv.Close()

	if err := crawl(a, srv.URL); err != nil {
		return err
	}
	changed := l.Clone()
	mutate(changed)
	sw.Set(changed.Handler())
	return crawl(a, srv.URL)
}

func crawl(a *archive.Archive, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := pipeline.Run(ctx, pipeline.Options{
		Crawler: crawler.Config{
			Source: crawler.SourceLegacy, BaseURL: url, Parallel: 8, DelaySet: true,
			Backoff: func(int) time.Duration { return time.Millisecond },
		},
		Archive: a,
	})
	return err
}

// mutate changes the 2021 site: address 3 (Absalon) gets household waste
// on Wednesday and Friday and loses its yellow bin, address 467 (one of two
// "Rue Louis Blanc") goes, and "Rue Nouvelle" comes.
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

	var adresses []replay.LegacyAdresse
	for _, a := range l.Adresses {
		if a.ID != 467 {
			adresses = append(adresses, a)
		}
	}
	delete(l.Collectes, 467)
	l.Adresses = append(adresses, replay.LegacyAdresse{ID: 9999, Name: "Rue Nouvelle", QuartierID: 1})
	l.Collectes[9999] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
}

// newTestHandler returns the web handler of a, with the time pinned and the
// logs written to the returned buffer.
func newTestHandler(a *archive.Archive) (http.Handler, *syncBuffer) {
	logs := &syncBuffer{}
	h := New(a, Options{
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Now:    func() time.Time { return pinnedNow },
	})
	return h, logs
}

// get runs one GET request through h.
func get(tb testing.TB, h http.Handler, target string) *http.Response {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Result()
}

func body(tb testing.TB, res *http.Response) string {
	tb.Helper()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		tb.Errorf("%s differs from the golden file; run go test -update and review the diff.\ngot:\n%s", path, got)
	}
}

// normalize replaces the commit hashes and times of a, which change at each
// build of the archive, with stable placeholders. Times share one
// placeholder, because two crawls may fall in the same minute or not.
func normalize(tb testing.TB, a *archive.Archive, page string) string {
	tb.Helper()
	commits, err := a.Log()
	if err != nil {
		tb.Fatal(err)
	}
	loc := martinique()
	var pairs []string
	for i, c := range commits {
		n := len(commits) - i
		when := c.When.In(loc)
		pairs = append(pairs,
			c.Hash, placeholder("COMMIT", n),
			shortHash(c.Hash), placeholder("SHORT", n),
			when.Format("2006-01-02T15:04:05-07:00"), "ISOTIME",
			frenchDateTime(when), "TIME",
		)
	}
	return strings.NewReplacer(pairs...).Replace(page)
}

func placeholder(name string, n int) string {
	return name + "-" + string(rune('0'+n))
}

// syncBuffer is a bytes.Buffer safe for the logger of concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
