package crawler

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/gocolly/colly/v2"
	"github.com/temoto/robotstxt"
)

func TestCrawlParallelismAtServer(t *testing.T) {
	s := &site{bodies: legacyBodies(30), delay: 20 * time.Millisecond}
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.Parallel = 3

	res, err := crawlWithGuard(t, context.Background(), cfg)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	if got := s.maxInFlight.Load(); got > 3 {
		t.Errorf("max requests in flight at the server: got %d, want at most 3", got)
	}
	if got := s.maxInFlight.Load(); got < 2 {
		t.Errorf("max requests in flight at the server: got %d, want parallel requests (at least 2)", got)
	}
	if got := len(res.Outcomes); got != 33 {
		t.Errorf("outcomes: got %d, want 33", got)
	}
	if got := len(res.Records); got != 30 {
		t.Errorf("records: got %d, want 30", got)
	}
}

func TestCrawlDelayHonoured(t *testing.T) {
	s := &site{bodies: legacyBodies(3)}
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.Parallel = 1
	cfg.Delay = 50 * time.Millisecond

	start := time.Now()
	if _, err := crawlWithGuard(t, context.Background(), cfg); err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	// Six requests on one slot wait at least five delays between them.
	if elapsed, min := time.Since(start), 5*cfg.Delay; elapsed < min {
		t.Errorf("elapsed: got %v, want at least %v", elapsed, min)
	}
}

func TestCrawlRobotsCrawlDelay(t *testing.T) {
	s := &site{bodies: legacyBodies(3), robots: "User-agent: *\nCrawl-delay: 0.05\n"}
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.Parallel = 2
	cfg.Delay = 0

	start := time.Now()
	if _, err := crawlWithGuard(t, context.Background(), cfg); err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	// Each of the 2 slots pauses 2 × 50 ms after its request, so the six
	// requests take at least two pauses on the busier slot.
	if elapsed, min := time.Since(start), 2*2*50*time.Millisecond; elapsed < min {
		t.Errorf("elapsed: got %v, want at least %v for a Crawl-delay of 50 ms", elapsed, min)
	}
}

func TestCrawlDelayAboveCrawlDelayKept(t *testing.T) {
	f := &fetcher{
		cfg:    Config{Parallel: 2},
		limit:  &colly.LimitRule{Delay: time.Second},
		robots: &robotsRules{group: &robotstxt.Group{CrawlDelay: 100 * time.Millisecond}},
		log:    slog.New(slog.DiscardHandler),
	}
	f.applyCrawlDelay()
	if f.limit.Delay != time.Second {
		t.Errorf("delay: got %v, want the configured 1s, longer than 2 × Crawl-delay", f.limit.Delay)
	}

	f.robots.group.CrawlDelay = time.Hour
	f.applyCrawlDelay()
	if want := 2 * maxCrawlDelay; f.limit.Delay != want {
		t.Errorf("delay: got %v, want %v for a Crawl-delay above the maximum", f.limit.Delay, want)
	}
}

// flaky returns a handler that responds with status for the first n
// requests, then serves body, and the arrival times of the requests.
func flaky(n int, status int, header http.Header, body string) (http.HandlerFunc, *[]time.Time) {
	var mu sync.Mutex
	var times []time.Time
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		k := len(times)
		mu.Unlock()

		if k <= n {
			for name, v := range header {
				w.Header()[name] = v
			}
			w.WriteHeader(status)
			return
		}
		w.Write([]byte(body))
	}, &times
}

func TestCrawlRetryThenSuccess(t *testing.T) {
	s := &site{bodies: legacyBodies(2)}
	h, _ := flaky(2, http.StatusServiceUnavailable, nil, s.bodies["/get/collectes/1"])
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": h}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	o := res.Outcomes[3]
	if o.Attempts != 3 || o.Status != 200 || o.Failed() {
		t.Errorf("outcome: got %+v, want 3 attempts ending in 200", o)
	}
	if res.Retries != 2 || res.Requests != 7 {
		t.Errorf("retries, requests: got %d, %d, want 2, 7", res.Retries, res.Requests)
	}
	if len(res.Records) != 2 {
		t.Errorf("records: got %d, want 2", len(res.Records))
	}
}

func TestCrawlRetryAfter(t *testing.T) {
	s := &site{bodies: legacyBodies(1)}
	h, times := flaky(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}, s.bodies["/get/collectes/1"])
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": h}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	if len(*times) != 2 {
		t.Fatalf("requests for the address: got %d, want 2", len(*times))
	}
	// The test Backoff waits 1 ms, so a gap near a second comes from the header.
	if gap := (*times)[1].Sub((*times)[0]); gap < 900*time.Millisecond {
		t.Errorf("gap before the retry: got %v, want at least 900ms", gap)
	}
	if o := res.Outcomes[3]; o.Attempts != 2 || o.Failed() {
		t.Errorf("outcome: got %+v, want success on attempt 2", o)
	}
}

func TestCrawlPersistentFailure(t *testing.T) {
	s := &site{bodies: legacyBodies(3)}
	h, times := flaky(1000, http.StatusInternalServerError, nil, "")
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/2": h}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

	var fe *FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("error: got %v, want a *FailedError", err)
	}
	if !errors.Is(err, ErrCrawlFailed) {
		t.Errorf("errors.Is(err, ErrCrawlFailed) = false for %v", err)
	}
	if len(fe.Failed) != 1 || !strings.HasSuffix(fe.Failed[0].URL, "/get/collectes/2") {
		t.Fatalf("failed: got %+v, want /get/collectes/2 only", fe.Failed)
	}
	if !strings.Contains(err.Error(), base+"/get/collectes/2") {
		t.Errorf("error %q does not name the failed URL", err)
	}
	if got := len(*times); got != DefaultAttempts {
		t.Errorf("attempts at the server: got %d, want %d", got, DefaultAttempts)
	}
	if fe.Failed[0].Status != 500 || fe.Failed[0].Attempts != DefaultAttempts {
		t.Errorf("failed outcome: got %+v, want status 500 after %d attempts", fe.Failed[0], DefaultAttempts)
	}
	if len(res.Outcomes) != 6 || len(res.Records) != 2 {
		t.Errorf("outcomes, records: got %d, %d, want 6, 2", len(res.Outcomes), len(res.Records))
	}
	if _, ok := res.Raw["raw/get/collectes/2.json"]; ok {
		t.Errorf("raw holds the body of the failed request")
	}
}

// TestCrawlRejectsBadResponse serves one bad response for address 1 and
// checks that it fails without retry while the other address succeeds.
func TestCrawlRejectsBadResponse(t *testing.T) {
	good := collectesBody(1, "OM", `["Lundi"]`, "null")
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		wantErr string
	}{
		{"mislabeled utf-8", 200, "application/json; charset=ISO-8859-1", collectesBody(1, "Ordures ménagères", `["Lundi"]`, "null"), "declared charset is likely wrong"},
		{"empty body", 200, "application/json", "", "empty body"},
		{"no content", 204, "", "", "unexpected status 204"},
		{"created", 201, "application/json", good, "unexpected status 201"},
		{"not found", 404, "text/plain", "not found", "unexpected status 404"},
		{"invalid utf-8", 200, "application/json", "{\"adresse\":{\"id\":1},\"collectes\":[{\"title\":\"m\xe9nag\xe8res\",\"days\":[]}]}", "not valid UTF-8"},
		{"replacement char", 200, "application/json", collectesBody(1, "Ordures m\uFFFDnag\uFFFDres", `["Lundi"]`, "null"), "U+FFFD"},
		{"unknown charset", 200, "application/json; charset=x-klingon", good, `charset "x-klingon"`},
		{"wrong adresse id", 200, "application/json", collectesBody(9, "OM", `["Lundi"]`, "null"), "want the requested 1"},
		{"unknown weekday", 200, "application/json", collectesBody(1, "OM", `["Lunes"]`, "null"), "unknown weekday"},
		{"unknown week type", 200, "application/json", collectesBody(1, "OM", `["Lundi"]`, `"Triple"`), "unknown week_type"},
		{"too large", 200, "application/json", good + strings.Repeat(" ", 200), "larger than the 200-byte limit"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &site{bodies: legacyBodies(2)}
			var hits atomic.Int32
			s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}}
			base := startSite(t, s)
			cfg := testConfig(t, SourceLegacy, base)
			cfg.MaxBody = 200

			res, err := crawlWithGuard(t, context.Background(), cfg)

			checkSingleFailure(t, res, err, tt.wantErr)
			if got := hits.Load(); got != 1 {
				t.Errorf("requests for the bad address: got %d, want 1 (no retry)", got)
			}
		})
	}
}

func checkSingleFailure(t *testing.T, res *Result, err error, wantErr string) {
	t.Helper()

	if !errors.Is(err, ErrCrawlFailed) {
		t.Fatalf("error: got %v, want ErrCrawlFailed", err)
	}
	if len(res.Outcomes) != 5 {
		t.Fatalf("outcomes: got %d, want 5", len(res.Outcomes))
	}
	bad := res.Outcomes[3]
	if !strings.Contains(bad.Err, wantErr) {
		t.Errorf("outcome error: got %q, want one containing %q", bad.Err, wantErr)
	}
	if res.Outcomes[4].Failed() {
		t.Errorf("good address failed: %+v", res.Outcomes[4])
	}
	if len(res.Records) != 1 || res.Records[0].ID != "2" {
		t.Errorf("records: got %+v, want only address 2", res.Records)
	}
}

func TestCrawlTimeoutOnTrickle(t *testing.T) {
	s := &site{bodies: legacyBodies(1)}
	var hits atomic.Int32
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"adresse":`))
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte(" "))
			}
		}
	}}
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.Timeout = 300 * time.Millisecond
	cfg.Attempts = 2

	res, err := crawlWithGuard(t, context.Background(), cfg)

	if !errors.Is(err, ErrCrawlFailed) {
		t.Fatalf("error: got %v, want ErrCrawlFailed", err)
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("attempts at the server: got %d, want 2", got)
	}
	if o := res.Outcomes[3]; !strings.Contains(o.Err, "timed out") {
		t.Errorf("outcome error: got %q, want a timeout", o.Err)
	}
}

func TestCrawlLatin1Charset(t *testing.T) {
	latin1 := []byte("{\"adresse\":{\"id\":1},\"collectes\":[{\"title\":\"Ordures m\xe9nag\xe8res\",\"days\":[\"Lundi\"],\"week_type\":null}]}")
	s := &site{bodies: legacyBodies(1)}
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=ISO-8859-1")
		w.Write(latin1)
	}}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	if got := res.Records[0].Label; got != "Ordures ménagères" {
		t.Errorf("label: got %q, want %q", got, "Ordures ménagères")
	}
	if got := res.Raw["raw/get/collectes/1.json"]; string(got) != string(latin1) {
		t.Errorf("raw: got %q, want the ISO-8859-1 bytes %q", got, latin1)
	}
}

func TestCrawlRobotsDisallow(t *testing.T) {
	// colly reads this variable; the crawler must not let it disable robots.txt.
	t.Setenv("COLLY_IGNORE_ROBOTSTXT", "yes")
	s := &site{bodies: legacyBodies(3), robots: "User-agent: *\nDisallow: /get/collectes/\n"}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

	var fe *FailedError
	if !errors.As(err, &fe) || len(fe.Failed) != 3 {
		t.Fatalf("error: got %v, want a *FailedError with 3 requests", err)
	}
	for _, o := range fe.Failed {
		if !strings.Contains(o.Err, "robots.txt") || o.Attempts != 1 {
			t.Errorf("outcome: got %+v, want a robots.txt refusal after 1 attempt", o)
		}
	}
	if got := s.hitCount("/get/collectes/1"); got != 0 {
		t.Errorf("requests for a disallowed path: got %d, want 0", got)
	}
	if got := len(res.Outcomes); got != 6 {
		t.Errorf("outcomes: got %d, want 6", got)
	}
}

func TestCrawlTwiceFreshCollector(t *testing.T) {
	s := &site{bodies: legacyBodies(2)}
	base := startSite(t, s)

	for i := range 2 {
		if _, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base)); err != nil {
			t.Fatalf("Crawl %d: %v", i+1, err)
		}
	}

	if got := s.totalHits(); got != 10 {
		t.Errorf("requests at the server: got %d, want 10 (5 per crawl)", got)
	}
}

func TestCrawlCancel(t *testing.T) {
	s := &site{bodies: legacyBodies(20)}
	arrived := make(chan struct{}, 100)
	block := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": block, "/get/collectes/2": block, "/get/collectes/3": block}
	base := startSite(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	res, err := crawlWithGuard(t, ctx, testConfig(t, SourceLegacy, base))

	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error: got %v, want context.Canceled", err)
	}
	if got := len(res.Outcomes); got != 23 {
		t.Errorf("outcomes: got %d, want 23 (one per planned request)", got)
	}
	if got := countFailed(res.Outcomes); got < 18 {
		t.Errorf("failed outcomes: got %d, want the unfinished requests marked", got)
	}
}

func TestCrawlRedirectOffHost(t *testing.T) {
	s := &site{bodies: legacyBodies(2)}
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
		// Same server, other host name: the crawl must stay on 127.0.0.1.
		http.Redirect(w, r, "http://localhost:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/get/collectes/2", http.StatusFound)
	}}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

	checkSingleFailure(t, res, err, "redirected off the source host")
	if o := res.Outcomes[3]; o.Attempts != 1 {
		t.Errorf("attempts: got %d, want 1", o.Attempts)
	}
}

func TestCrawlBodyAtLimit(t *testing.T) {
	s := &site{bodies: legacyBodies(1)}
	body := s.bodies["/get/collectes/1"]
	s.bodies["/get/collectes/1"] = body + strings.Repeat(" ", 300-len(body))
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.MaxBody = 300

	res, err := crawlWithGuard(t, context.Background(), cfg)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	if got := len(res.Raw["raw/get/collectes/1.json"]); got != 300 {
		t.Errorf("raw body: got %d bytes, want 300", got)
	}
}

// TestCrawlOnRecordsSeesResult checks that OnRecords receives exactly the
// records of Result.Records, for both sources, with a failed address whose
// records must not be passed on.
func TestCrawlOnRecordsSeesResult(t *testing.T) {
	legacy := &site{bodies: legacyBodies(30)}
	legacy.bodies["/get/collectes/7"] = `{"adresse":{"id":8},"collectes":[]}`
	paging := &pagingServer{n: 8, maxLimit: 3, total: 8}

	for _, tt := range []struct {
		name, source, base string
		wantRecords        int
	}{
		{"legacy", SourceLegacy, startSite(t, legacy), 29},
		{"v1", SourceV1, startPaging(t, paging), 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []snapshot.Record
			cfg := testConfig(t, tt.source, tt.base)
			cfg.Parallel = 3
			cfg.PageLimit = 3
			cfg.OnRecords = func(records []snapshot.Record) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, records...)
			}

			res, _ := crawlWithGuard(t, context.Background(), cfg)

			if got := len(res.Records); got != tt.wantRecords {
				t.Fatalf("Result.Records: got %d, want %d", got, tt.wantRecords)
			}
			byPlace := func(a, b snapshot.Record) int {
				return strings.Compare(a.ID+"\x00"+a.Voie, b.ID+"\x00"+b.Voie)
			}
			want := slices.SortedFunc(slices.Values(res.Records), byPlace)
			slices.SortFunc(seen, byPlace)
			if !reflect.DeepEqual(seen, want) {
				t.Errorf("OnRecords received %d records that differ from the %d of Result.Records", len(seen), len(want))
			}
		})
	}
}
