// Package e2e tests the whole program against a broken site, a killed
// process and concurrent runs: whatever the fault, the archive never
// records a failed crawl as a change and never loses a snapshot.
package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
)

// smallSite returns the first n addresses of the real 2021 capture, with
// only the quartiers and communes they need, so a crawl takes a fraction of
// a second.
func smallSite(t testing.TB, n int) *replay.Legacy {
	t.Helper()
	full, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}

	l := &replay.Legacy{Collectes: map[int][]replay.LegacyCollecte{}}
	quartiers := map[int]bool{}
	for _, a := range full.Adresses[:n] {
		l.Adresses = append(l.Adresses, a)
		l.Collectes[a.ID] = full.Collectes[a.ID]
		quartiers[a.QuartierID] = true
	}
	communes := map[int]bool{}
	for _, q := range full.Quartiers {
		if quartiers[q.ID] {
			l.Quartiers = append(l.Quartiers, q)
			communes[q.CommuneID] = true
		}
	}
	for _, c := range full.Communes {
		if communes[c.ID] {
			l.Communes = append(l.Communes, c)
		}
	}
	return l.Clone()
}

// changeDays moves the collection days of the first stream of the address
// at index i of l.Adresses to the next weekday, a real schedule change.
func changeDays(t testing.TB, l *replay.Legacy, i int) {
	t.Helper()
	id := l.Adresses[i].ID
	items := l.Collectes[id]
	if len(items) == 0 {
		t.Fatalf("address %d has no collection to change", id)
	}

	days := []string{"Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Lundi"}
	next := make([]string, len(items[0].Days))
	for j, d := range items[0].Days {
		next[j] = days[slices.Index(days, d)+1]
	}
	items[0].Days = slices.Compact(next)
}

// startSite serves h on loopback behind a Switch.
func startSite(t testing.TB, h http.Handler) (*replay.Switch, string) {
	t.Helper()
	sw := replay.NewSwitch(h)
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	return sw, srv.URL
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runConfig is the crawler set-up of the tests: 8 requests in flight, no
// delay, retries after 1 ms.
func runConfig(url string, log *slog.Logger) crawler.Config {
	return crawler.Config{
		Source:   crawler.SourceLegacy,
		BaseURL:  url,
		Parallel: 8,
		DelaySet: true,
		Timeout:  10 * time.Second,
		Backoff:  func(int) time.Duration { return time.Millisecond },
		Logger:   log,
	}
}

// runPipeline runs the pipeline once with cfg and returns its logs.
func runPipeline(t testing.TB, a *archive.Archive, cfg crawler.Config) (*pipeline.Result, string, error) {
	t.Helper()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Logger = log

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := pipeline.Run(ctx, pipeline.Options{Crawler: cfg, Archive: a, Logger: log})
	return res, logs.String(), err
}

// mustCrawl runs a clean crawl of url into a and returns HEAD.
func mustCrawl(t testing.TB, a *archive.Archive, url string) *archive.Commit {
	t.Helper()
	res, logs, err := runPipeline(t, a, runConfig(url, nil))
	if err != nil {
		t.Fatalf("clean crawl of %s: %v\n%s", url, err, logs)
	}
	return res.Commit
}

func openArchive(t testing.TB, dir string) *archive.Archive {
	t.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// copyArchive copies the archive at src into a new directory and opens it,
// so several tests can start from one first snapshot.
func copyArchive(t testing.TB, src string) *archive.Archive {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "archive")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return openArchive(t, dst)
}

func headHash(t testing.TB, a *archive.Archive) string {
	t.Helper()
	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	return head.Hash
}

// snapshotFiles returns the data/ and raw/ files of commit hash.
func snapshotFiles(t testing.TB, a *archive.Archive, hash string) archive.Files {
	t.Helper()
	files := archive.Files{}
	for _, prefix := range []string{"data/", "raw/"} {
		part, err := a.Read(hash, prefix)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(files, part)
	}
	return files
}

// compareFiles reports every path whose content differs between got and
// want, byte for byte.
func compareFiles(t testing.TB, got, want archive.Files) {
	t.Helper()
	for _, path := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[path]
		switch {
		case !ok:
			t.Errorf("%s: missing", path)
		case !bytes.Equal(g, want[path]):
			t.Errorf("%s differs from the clean crawl's:\n got %.300q\nwant %.300q", path, g, want[path])
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("%s: not in the clean crawl", path)
		}
	}
}

func readManifest(t testing.TB, a *archive.Archive, hash string) snapshot.Manifest {
	t.Helper()
	data, err := a.ReadFile(hash, snapshot.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := snapshot.DecodeManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func gitCommand(dir string, args ...string) *exec.Cmd {
	return exec.Command("git", append([]string{"-C", dir}, args...)...)
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := gitCommand(dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
