package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// site is a fixture server: fixed bodies per path, optional handlers that
// take over a path, and counters of the requests it received.
type site struct {
	bodies   map[string]string
	handlers map[string]http.HandlerFunc
	robots   string
	delay    time.Duration // sleep in every handled request

	mu   sync.Mutex
	hits map[string]int

	inFlight, maxInFlight atomic.Int32
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		s.serveRobots(w)
		return
	}

	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.maxInFlight.Load(); n > m && !s.maxInFlight.CompareAndSwap(m, n); m = s.maxInFlight.Load() {
	}

	s.mu.Lock()
	if s.hits == nil {
		s.hits = make(map[string]int)
	}
	s.hits[r.URL.Path]++
	s.mu.Unlock()

	if s.delay > 0 {
		time.Sleep(s.delay)
	}

	if h, ok := s.handlers[r.URL.Path]; ok {
		h(w, r)
		return
	}
	body, ok := s.bodies[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprint(w, body)
}

func (s *site) serveRobots(w http.ResponseWriter) {
	if s.robots == "" {
		http.NotFound(w, nil)
		return
	}
	fmt.Fprint(w, s.robots)
}

// hitCount returns how many times path was requested.
func (s *site) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// totalHits returns how many requests arrived, robots.txt excluded.
func (s *site) totalHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()

	n := 0
	for _, c := range s.hits {
		n += c
	}
	return n
}

func startSite(t *testing.T, s *site) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// testConfig returns a Config for a loopback fixture: no delay, retries
// after 1 ms, and logs into the test output.
func testConfig(t *testing.T, source, base string) Config {
	t.Helper()
	return Config{
		Source:   source,
		BaseURL:  base,
		DelaySet: true,
		Timeout:  10 * time.Second,
		Backoff:  func(int) time.Duration { return time.Millisecond },
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// crawlWithGuard runs Crawl and fails the test if it hangs.
func crawlWithGuard(t *testing.T, ctx context.Context, cfg Config) (*Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	res, err := Crawl(ctx, cfg)
	if ctx.Err() == context.DeadlineExceeded {
		t.Fatalf("Crawl did not return within the hang guard")
	}
	return res, err
}

// legacyBodies returns the three lists for n addresses, 1 to n, all in
// quartier 10 of commune 1, and a collectes body for each with one item.
func legacyBodies(n int) map[string]string {
	var adresses []string
	bodies := map[string]string{
		"/get/communes":  `[{"id":1,"name":"FORT-DE-FRANCE"}]`,
		"/get/quartiers": `[{"id":10,"name":"BALATA","commune_id":1}]`,
	}
	for id := 1; id <= n; id++ {
		adresses = append(adresses, fmt.Sprintf(`{"id":%d,"name":"Rue %d","quartier_id":10}`, id, id))
		bodies[fmt.Sprintf("/get/collectes/%d", id)] = collectesBody(id, "Ordures ménagères (bac gris)", `["Lundi"]`, "null")
	}
	bodies["/get/adresses"] = "[" + strings.Join(adresses, ",") + "]"
	return bodies
}

func collectesBody(id int, title, days, weekType string) string {
	return fmt.Sprintf(`{"adresse":{"id":%d,"name":"Rue %d"},"collectes":[{"title":%q,"days":%s,"week_type":%s}]}`,
		id, id, title, days, weekType)
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// countFailed returns the number of failed outcomes.
func countFailed(outs []Outcome) int {
	n := 0
	for _, o := range outs {
		if o.Failed() {
			n++
		}
	}
	return n
}
