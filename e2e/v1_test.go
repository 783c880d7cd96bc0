package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/replay"
)

// onPage returns a plan that serves fault to the v1 page requested with
// $skip=skip, on the listed attempts or on all of them.
func onPage(skip string, fault replay.Fault, attempts ...int) replay.Plan {
	return func(uri string, attempt int) replay.Fault {
		u, err := url.Parse(uri)
		if err != nil || u.Path != replay.V1Path || u.Query().Get("$skip") != skip {
			return replay.FaultNone
		}
		return replay.FaultAt(uri, fault, attempts...)(uri, attempt)
	}
}

// TestV1Faults checks that a v1 page that still fails after its retries
// fails the run, because a page is a list, and that a transient fault
// leaves the commit identical to a clean crawl's.
func TestV1Faults(t *testing.T) {
	full, err := replay.V1FromJSON(captures.V1Passages2024())
	if err != nil {
		t.Fatal(err)
	}
	original := &replay.V1{Records: full.Records[:2400], MaxLimit: 500, Total: replay.TrueTotal}
	v1Config := func(u string) crawler.Config {
		cfg := runConfig(u, nil)
		cfg.Source = crawler.SourceV1
		cfg.PageLimit = 500
		cfg.MaxBody = 1 << 20
		return cfg
	}

	_, u := startSite(t, original.Handler())
	a := openArchive(t, t.TempDir()+"/archive")
	res, logs, err := runPipeline(t, a, v1Config(u))
	if err != nil {
		t.Fatalf("first crawl: %v\n%s", err, logs)
	}
	base := res.Commit.Hash

	changed := original.Clone()
	changed.Records[700].SemainePaire = append(changed.Records[700].SemainePaire, 6)
	clean := copyArchive(t, a.Dir())
	_, cleanURL := startSite(t, changed.Handler())
	res, logs, err = runPipeline(t, clean, v1Config(cleanURL))
	if err != nil || !res.Changed {
		t.Fatalf("clean crawl of the changed site: changed=%v err=%v\n%s", res.Changed, err, logs)
	}
	want := snapshotFiles(t, clean, res.Commit.Hash)

	tests := []struct {
		name     string
		fault    replay.Fault
		attempts []int
		end      string
		log      string
	}{
		{"503 burst", replay.FaultStatus503, []int{1, 2}, endClean, "status=503"},
		{"truncated page", replay.FaultTruncate, []int{1}, endClean, "unexpected EOF"},
		{"html page", replay.FaultHTML, nil, endFailed, "HTML page instead of JSON"},
		{"truncated every attempt", replay.FaultTruncate, nil, endFailed, "unexpected EOF"},
		{"wrong shape", replay.FaultWrongShape, nil, endFailed, `missing \"total\"`},
		{"empty page", replay.FaultEmpty, nil, endFailed, "empty body"},
		{"lying charset", replay.FaultLyingCharset, nil, endFailed, "declared charset is likely wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			faults := replay.NewFaults(changed.Handler(), onPage("500", tt.fault, tt.attempts...))
			_, u := startSite(t, faults)
			a := copyArchive(t, a.Dir())

			res, logs, err := runPipeline(t, a, v1Config(u))

			if faults.Injected(tt.fault) == 0 {
				t.Fatalf("no %v fault was served", tt.fault)
			}
			if !contains(logs, tt.log, "$skip=500") {
				t.Errorf("logs lack %q for the page at $skip=500:\n%s", tt.log, logs)
			}
			checkEnd(t, a, base, want, res, err, tt.end, "")
		})
	}
}

// contains reports whether one line of logs contains every part.
func contains(logs string, parts ...string) bool {
	for line := range strings.Lines(logs) {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
