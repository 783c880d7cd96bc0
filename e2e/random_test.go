package e2e

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

// randomPlans are the fault plans of TestRandomFaults: a seed and the
// share of requests faulted. Each takes one to two seconds on a 2-core
// machine. With two attempts per request, seed 9 fails a list request, the
// share 0.5 fails more addresses than allowed, and the others commit with
// a few stale addresses.
var randomPlans = []struct {
	seed uint64
	rate float64
}{{1, 0.2}, {3, 0.2}, {9, 0.2}, {10, 0.2}, {2, 0.5}}

// TestRandomFaults checks the property that a crawl meeting random faults
// either fails without a commit, or commits exactly what a clean crawl
// commits. When some addresses still failed after their retries and were
// kept stale, the clean crawl to compare with is one in which exactly those
// addresses fail. Two attempts per request, instead of four, make such
// failures frequent enough that every outcome occurs.
func TestRandomFaults(t *testing.T) {
	original := smallSite(t, 300)
	_, url0 := startSite(t, original.Handler())
	first := openArchive(t, t.TempDir()+"/archive")
	base := mustCrawl(t, first, url0).Hash

	changed := original.Clone()
	for _, i := range []int{5, 100, 250} {
		changeDays(t, changed, i)
	}

	changed.Adresses = append(changed.Adresses, replay.LegacyAdresse{ID: 9999, Name: "Rue Nouvelle", QuartierID: changed.Adresses[0].QuartierID})
	changed.Collectes[9999] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}

	for _, p := range randomPlans {
		t.Run(fmt.Sprintf("seed %d rate %.1f", p.seed, p.rate), func(t *testing.T) {
			faults := replay.NewFaults(changed.Handler(), replay.RandomPlan(p.seed, p.rate,
				replay.FaultStatus503, replay.FaultTooMany, replay.FaultReset,
				replay.FaultTruncate, replay.FaultHTML))
			faults.RetryAfter = "0"
			_, u := startSite(t, faults)
			cfg := runConfig(u, nil)
			cfg.Attempts = 2
			a := copyArchive(t, first.Dir())

			res, logs, err := runPipeline(t, a, cfg)

			t.Log(describeRun(res, err))
			if err != nil {
				if !errors.Is(err, crawler.ErrCrawlFailed) {
					t.Fatalf("error: got %v, want ErrCrawlFailed\n%s", err, logs)
				}
				if got := headHash(t, a); got != base {
					t.Errorf("HEAD moved from %s to %s after a failed run", base, got)
				}
				return
			}
			if res.Awaiting != "" {
				t.Fatalf("random faults were taken for a sudden drop: %s", res.Awaiting)
			}
			if res.Commit.Parent != base {
				t.Errorf("commit %s has parent %s, want %s", res.Commit.Hash, res.Commit.Parent, base)
			}
			got := snapshotFiles(t, a, res.Commit.Hash)
			compareFiles(t, got, cleanWithFailures(t, first.Dir(), changed, res))
		})
	}
}

// cleanWithFailures crawls changed without random faults into a copy of
// the first archive, failing only the requests that res kept stale or left
// out, and returns what that crawl commits.
func cleanWithFailures(t *testing.T, first string, changed *replay.Legacy, res *pipeline.Result) archive.Files {
	t.Helper()
	failed := map[string]bool{}
	for _, s := range res.Stale {
		failed[requestURI(t, s.URL)] = true
	}
	for _, l := range res.LeftOut {
		failed[requestURI(t, l.URL)] = true
	}
	plan := func(uri string, _ int) replay.Fault {
		if failed[uri] {
			return replay.FaultStatus503
		}
		return replay.FaultNone
	}

	_, u := startSite(t, replay.NewFaults(changed.Handler(), plan))
	a := copyArchive(t, first)
	clean, logs, err := runPipeline(t, a, runConfig(u, nil))
	if err != nil {
		t.Fatalf("clean crawl with %d failed addresses: %v\n%s", len(failed), err, logs)
	}
	if len(clean.Stale) != len(res.Stale) || len(clean.LeftOut) != len(res.LeftOut) {
		t.Fatalf("clean crawl: %d stale, %d left out, want %d, %d",
			len(clean.Stale), len(clean.LeftOut), len(res.Stale), len(res.LeftOut))
	}
	return snapshotFiles(t, a, clean.Commit.Hash)
}

func requestURI(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func describeRun(res *pipeline.Result, err error) string {
	if err != nil {
		return "failed, no commit: " + err.Error()
	}
	return fmt.Sprintf("committed %s with %d stale and %d left out, %d retries",
		res.Commit.Hash[:12], len(res.Stale), len(res.LeftOut), res.Crawl.Retries)
}
