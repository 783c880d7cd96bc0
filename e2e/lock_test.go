package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
)

// gate holds the first request for /get/communes until open is called, so
// a test knows that the crawl holding it also holds the archive lock.
type gate struct {
	next    http.Handler
	once    sync.Once
	arrived chan struct{}
	release chan struct{}
}

func newGate(next http.Handler) *gate {
	return &gate{next: next, arrived: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	held := false
	if r.URL.Path == "/get/communes" {
		g.once.Do(func() { held = true })
	}
	if held {
		close(g.arrived)
		<-g.release
	}
	g.next.ServeHTTP(w, r)
}

// wait returns once the held request arrived, or fails the test.
func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.arrived:
	case <-time.After(time.Minute):
		t.Fatal("the first crawl never requested /get/communes")
	}
}

func (g *gate) open() { close(g.release) }

// TestTwoProcessesLocked starts a second `collecte crawl` while the first
// one holds the archive: the second exits with code 3 naming the first's
// process id, and the archive gets one commit for the one change.
func TestTwoProcessesLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collecte binary")
	}
	site := smallSite(t, 20)
	sw, url := startSite(t, site.Handler())
	dir := filepath.Join(t.TempDir(), "archive")
	mustRunCrawl(t, dir, url)

	changeDays(t, site, 2)
	g := newGate(site.Handler())
	sw.Set(g)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first, firstOut := crawlCommand(t, ctx, dir, url)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	g.wait(t)

	code, out := runCrawl(t, dir, url)
	g.open()
	firstErr := first.Wait()

	if code != 3 {
		t.Errorf("second process: exit code %d, want 3:\n%s", code, out)
	}
	if want := "held by process " + strconv.Itoa(first.Process.Pid); !strings.Contains(out, want) {
		t.Errorf("second process output lacks %q:\n%s", want, out)
	}
	if firstErr != nil || !strings.Contains(firstOut.String(), "committed") {
		t.Errorf("first process: %v, want a commit:\n%s", firstErr, firstOut)
	}
	if got := commitCount(t, dir); got != 2 {
		t.Errorf("commits: got %d, want 2", got)
	}
	checkArchive(t, dir, "after two processes")
}

// TestTwoProcessesAtOnce starts two crawls at the same moment for several
// changes: each ends committed, unchanged or locked out, and every change
// makes exactly one commit.
func TestTwoProcessesAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collecte binary")
	}
	site := smallSite(t, 20)
	sw, url := startSite(t, site.Handler())
	dir := filepath.Join(t.TempDir(), "archive")
	mustRunCrawl(t, dir, url)

	for round := range 3 {
		changeDays(t, site, round)
		sw.Set(site.Handler())

		var wg sync.WaitGroup
		codes, outs := make([]int, 2), make([]string, 2)
		for i := range 2 {
			wg.Go(func() { codes[i], outs[i] = runCrawl(t, dir, url) })
		}
		wg.Wait()

		for i, code := range codes {
			if code != 0 && code != 3 {
				t.Errorf("round %d, process %d: exit code %d, want 0 or 3:\n%s", round, i, code, outs[i])
			}
		}
		if codes[0] != 0 && codes[1] != 0 {
			t.Errorf("round %d: no process succeeded:\n%s\n%s", round, outs[0], outs[1])
		}
		if got := commitCount(t, dir); got != round+2 {
			t.Errorf("round %d: commits: got %d, want %d (one per change)", round, got, round+2)
		}
	}
	checkArchive(t, dir, "after concurrent processes")
}

// TestTwoRunsInProcess calls pipeline.Run from two goroutines, through one
// *archive.Archive and through two: the second gets a *LockedError naming
// this process, and the first commits the change once.
func TestTwoRunsInProcess(t *testing.T) {
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared archive %v", shared), func(t *testing.T) {
			site := smallSite(t, 20)
			sw, url := startSite(t, site.Handler())
			a := openArchive(t, filepath.Join(t.TempDir(), "archive"))
			mustCrawl(t, a, url)
			other := a
			if !shared {
				other = openArchive(t, a.Dir())
			}

			changeDays(t, site, 2)
			g := newGate(site.Handler())
			sw.Set(g)
			done := make(chan error, 1)
			go func() {
				_, _, err := runPipeline(t, a, runConfig(url, nil))
				done <- err
			}()
			g.wait(t)

			_, _, err := runPipeline(t, other, runConfig(url, nil))
			g.open()
			firstErr := <-done

			var locked *archive.LockedError
			if !errors.As(err, &locked) || locked.PID != os.Getpid() {
				t.Errorf("second run: got %v, want a *LockedError naming process %d", err, os.Getpid())
			}
			if firstErr != nil {
				t.Errorf("first run: %v", firstErr)
			}
			if got := commitCount(t, a.Dir()); got != 2 {
				t.Errorf("commits: got %d, want 2", got)
			}
		})
	}
}
