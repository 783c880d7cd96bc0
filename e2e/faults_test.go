package e2e

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

// How a faulty crawl must end.
const (
	endClean  = "clean"  // committed, data and raw identical to a clean crawl
	endStale  = "stale"  // committed, identical to a clean crawl, the address marked stale
	endFailed = "failed" // no commit, ErrCrawlFailed
)

// legacyFixture is a first snapshot of a small site, the changed site a
// faulty crawl then meets, and what a clean crawl of it commits.
type legacyFixture struct {
	first   string // archive directory holding the first snapshot
	base    string // HEAD of that archive
	changed *replay.Legacy
	want    archive.Files // data/ and raw/ of a clean crawl of changed
	faulted string        // request URI of the faulted address
}

func newLegacyFixture(t *testing.T) *legacyFixture {
	t.Helper()
	original := smallSite(t, 60)
	_, url := startSite(t, original.Handler())
	a := openArchive(t, t.TempDir()+"/archive")
	first := mustCrawl(t, a, url)

	changed := original.Clone()
	changeDays(t, changed, 20)
	clean := copyArchive(t, a.Dir())
	_, changedURL := startSite(t, changed.Handler())
	commit := mustCrawl(t, clean, changedURL)
	if commit.Hash == first.Hash {
		t.Fatal("the changed site made no commit")
	}

	x := original.Adresses[10]
	if title := original.Collectes[x.ID][0].Title; utf8.RuneCountInString(title) == len(title) {
		t.Fatalf("faulted address %d has the ASCII-only title %q; pick one with accents", x.ID, title)
	}
	return &legacyFixture{
		first: a.Dir(), base: first.Hash, changed: changed,
		want: snapshotFiles(t, clean, commit.Hash), faulted: "/get/collectes/" + strconv.Itoa(x.ID),
	}
}

// faultCase is one fault injected into the crawl of the changed site.
type faultCase struct {
	name     string
	uri      string // "" means the faulted address
	fault    replay.Fault
	attempts []int // attempts that get the fault; none means all
	end      string
	logs     []string // facts the log must contain besides the URL
	tune     func(cfg *crawler.Config, f *replay.Faults)
}

func TestLegacyFaults(t *testing.T) {
	fx := newLegacyFixture(t)
	cases := []faultCase{
		{name: "503 burst", fault: replay.FaultStatus503, attempts: []int{1, 2, 3}, end: endClean,
			logs: []string{`msg="request will be retried"`, "status=503", "attempt=3"}},
		{name: "503 every attempt", fault: replay.FaultStatus503, end: endStale,
			logs: []string{`msg="request failed"`, "status=503", "attempt=4", "server returned 503"}},
		{name: "429 with Retry-After", fault: replay.FaultTooMany, attempts: []int{1}, end: endClean,
			logs: []string{"status=429", "wait_ms=1000"}},
		{name: "connection reset", fault: replay.FaultReset, end: endStale,
			logs: []string{`msg="request failed"`, "status=0", "EOF"}},
		{name: "trickle", fault: replay.FaultTrickle, attempts: []int{1}, end: endClean,
			logs: []string{`msg="request will be retried"`, "timed out after 1.5s"},
			tune: func(cfg *crawler.Config, f *replay.Faults) { cfg.Timeout = 1500 * time.Millisecond }},
		{name: "truncated json", fault: replay.FaultTruncate, end: endStale,
			logs: []string{`msg="request failed"`, "unexpected EOF"}},
		{name: "html page once", fault: replay.FaultHTML, attempts: []int{1}, end: endClean,
			logs: []string{`msg="request will be retried"`, "status=200", "HTML page instead of JSON"}},
		{name: "html page", fault: replay.FaultHTML, end: endStale,
			logs: []string{`msg="request failed"`, "status=200", "HTML page instead of JSON"}},
		{name: "empty 200", fault: replay.FaultEmpty, end: endStale,
			logs: []string{"status=200", "empty body"}},
		{name: "204", fault: replay.FaultNoContent, end: endStale,
			logs: []string{"status=204", "unexpected status 204"}},
		{name: "redirect loop", fault: replay.FaultRedirectLoop, end: endStale,
			logs: []string{"status=302", "redirect loop or more than 10 redirects"}},
		{name: "huge body", fault: replay.FaultHuge, end: endStale,
			logs: []string{"status=200", "larger than the 65536-byte limit"}},
		{name: "invalid utf-8", fault: replay.FaultInvalidUTF8, end: endStale,
			logs: []string{"status=200", "not valid UTF-8"}},
		{name: "lying charset", fault: replay.FaultLyingCharset, end: endStale,
			logs: []string{"status=200", "declared charset is likely wrong"}},
		{name: "wrong shape", fault: replay.FaultWrongShape, end: endStale,
			logs: []string{"status=200", "missing adresse.id"}},
		{name: "wrong address id", fault: replay.FaultWrongID, end: endStale,
			logs: []string{"status=200", "adresse.id is 999999"}},
		{name: "list html", uri: "/get/adresses", fault: replay.FaultHTML, end: endFailed,
			logs: []string{`msg="request failed"`, "HTML page instead of JSON"}},
		{name: "list truncated", uri: "/get/quartiers", fault: replay.FaultTruncate, end: endFailed,
			logs: []string{`msg="request failed"`, "unexpected EOF"}},
		{name: "list wrong shape", uri: "/get/communes", fault: replay.FaultWrongShape, end: endFailed,
			logs: []string{"want a JSON array"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.uri == "" {
				tc.uri = fx.faulted
			}
			fx.run(t, tc)
		})
	}
}

func (fx *legacyFixture) run(t *testing.T, tc faultCase) {
	faults := replay.NewFaults(fx.changed.Handler(), replay.FaultAt(tc.uri, tc.fault, tc.attempts...))
	faults.HugeSize = 100 << 10
	_, url := startSite(t, faults)
	cfg := runConfig(url, nil)
	cfg.MaxBody = 64 << 10
	if tc.tune != nil {
		tc.tune(&cfg, faults)
	}
	a := copyArchive(t, fx.first)

	res, logs, err := runPipeline(t, a, cfg)

	if faults.Injected(tc.fault) == 0 {
		t.Fatalf("no %v fault was served", tc.fault)
	}
	for _, want := range append(tc.logs, "url="+url+tc.uri) {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	checkEnd(t, a, fx.base, fx.want, res, err, tc.end, tc.uri)
}

// checkEnd checks how a faulty run ended against a clean crawl's files.
func checkEnd(t *testing.T, a *archive.Archive, base string, want archive.Files, res *pipeline.Result, err error, end, uri string) {
	t.Helper()
	head := headHash(t, a)
	if end == endFailed {
		if !errors.Is(err, crawler.ErrCrawlFailed) {
			t.Fatalf("error: got %v, want ErrCrawlFailed", err)
		}
		if head != base {
			t.Errorf("HEAD moved from %s to %s after a failed run", base, head)
		}
		return
	}

	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !res.Changed || head == base {
		t.Fatalf("no commit: changed=%v, HEAD %s", res.Changed, head)
	}
	compareFiles(t, snapshotFiles(t, a, head), want)

	stale := readManifest(t, a, head).Stale
	switch {
	case end == endClean && len(stale) != 0:
		t.Errorf("stale addresses: got %+v, want none", stale)
	case end == endStale && (len(stale) != 1 || !strings.HasSuffix(stale[0].URL, uri) || stale[0].Reason == ""):
		t.Errorf("stale addresses: got %+v, want %s with its reason", stale, uri)
	case end == endStale && !strings.Contains(res.Commit.Message, "Stale: 1 addresses"):
		t.Errorf("commit message does not count the stale address:\n%s", res.Commit.Message)
	}
}
