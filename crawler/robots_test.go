package crawler

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// robotsSite serves legacyBodies(n) with robots.txt handled by robots.
type robotsSite struct {
	*site
	robots      http.HandlerFunc
	robotsCalls atomic.Int32
}

func (s *robotsSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		s.robotsCalls.Add(1)
		s.robots(w, r)
		return
	}
	s.site.ServeHTTP(w, r)
}

func TestCrawlRobotsUnavailable(t *testing.T) {
	tests := []struct {
		name       string
		robots     http.HandlerFunc
		wantStatus int
		wantErr    string
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}, 503, "server returned 503"},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, 429, "server returned 429"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, 0, "timed out"},
		{"connection reset", resetConnection, 0, "EOF"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &robotsSite{site: &site{bodies: legacyBodies(2)}, robots: tt.robots}
			base := startHandler(t, s)
			cfg := testConfig(t, SourceLegacy, base)
			cfg.Timeout = 200 * time.Millisecond
			cfg.Attempts = 2
			var logs bytes.Buffer
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))

			res, err := crawlWithGuard(t, context.Background(), cfg)

			var re *RobotsError
			if !errors.As(err, &re) {
				t.Fatalf("error: got %v, want a *RobotsError", err)
			}
			if !errors.Is(err, ErrRobotsUnavailable) || !errors.Is(err, ErrCrawlFailed) {
				t.Errorf("error %v does not match ErrRobotsUnavailable and ErrCrawlFailed", err)
			}
			if re.Status != tt.wantStatus || re.Attempts != 2 || re.URL != base+"/robots.txt" {
				t.Errorf("robots error: got %+v, want status %d after 2 attempts at %s/robots.txt", re, tt.wantStatus, base)
			}
			for _, want := range []string{base + "/robots.txt", "run skipped", tt.wantErr} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if got := s.totalHits(); got != 0 {
				t.Errorf("requests other than robots.txt: got %d, want 0", got)
			}
			if got := s.robotsCalls.Load(); got != 2 {
				t.Errorf("robots.txt requests: got %d, want 2", got)
			}
			if res == nil || len(res.Outcomes) != 0 {
				t.Errorf("result: got %+v, want a result with no outcome", res)
			}
			if !strings.Contains(logs.String(), "robots.txt unavailable; run skipped") {
				t.Errorf("logs lack the skipped run:\n%s", logs.String())
			}
		})
	}
}

func TestCrawlRobotsClientError(t *testing.T) {
	for _, status := range []int{401, 403, 404, 410} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s := &robotsSite{site: &site{bodies: legacyBodies(2)}, robots: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				w.Write([]byte("User-agent: *\nDisallow: /\n"))
			}}
			base := startHandler(t, s)

			res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

			if err != nil {
				t.Fatalf("Crawl: %v (a 4xx robots.txt disallows nothing)", err)
			}
			if got := len(res.Records); got != 2 {
				t.Errorf("records: got %d, want 2", got)
			}
			if got := s.robotsCalls.Load(); got != 1 {
				t.Errorf("robots.txt requests: got %d, want 1", got)
			}
		})
	}
}

func TestCrawlRobotsFetchedOnce(t *testing.T) {
	s := &robotsSite{site: &site{bodies: legacyBodies(5)}, robots: func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /get/collectes/3\n"))
	}}
	base := startHandler(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	cfg.Parallel = 4

	res, err := crawlWithGuard(t, context.Background(), cfg)

	var fe *FailedError
	if !errors.As(err, &fe) || len(fe.Failed) != 1 || !strings.HasSuffix(fe.Failed[0].URL, "/get/collectes/3") {
		t.Fatalf("error: got %v, want only /get/collectes/3 disallowed", err)
	}
	if got := s.robotsCalls.Load(); got != 1 {
		t.Errorf("robots.txt requests: got %d, want 1", got)
	}
	if got := len(res.Records); got != 4 {
		t.Errorf("records: got %d, want 4", got)
	}
}

// TestCrawlHTMLRetried checks that a maintenance page served with 200 is
// retried, and fails the request only when every attempt gets it.
func TestCrawlHTMLRetried(t *testing.T) {
	page := "<!DOCTYPE html><html><body>Maintenance</body></html>"
	tests := []struct {
		name      string
		htmlTimes int32
		ctype     string
		wantFail  bool
	}{
		{"once then json", 1, "text/html; charset=utf-8", false},
		{"every attempt", 100, "text/html; charset=utf-8", true},
		{"labeled json", 100, "application/json", true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &site{bodies: legacyBodies(2)}
			good := s.bodies["/get/collectes/1"]
			var hits atomic.Int32
			s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) <= tt.htmlTimes {
					w.Header().Set("Content-Type", tt.ctype)
					w.Write([]byte(page))
					return
				}
				w.Write([]byte(good))
			}}
			base := startSite(t, s)

			res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

			if !tt.wantFail {
				if err != nil {
					t.Fatalf("Crawl: %v", err)
				}
				if got := hits.Load(); got != 2 {
					t.Errorf("requests for the address: got %d, want 2", got)
				}
				return
			}
			checkSingleFailure(t, res, err, "HTML page instead of JSON")
			if got := hits.Load(); got != DefaultAttempts {
				t.Errorf("requests for the address: got %d, want %d", got, DefaultAttempts)
			}
		})
	}
}

func TestCrawlConnectionReset(t *testing.T) {
	s := &site{bodies: legacyBodies(2)}
	var hits atomic.Int32
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		resetConnection(w, r)
	}}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))

	checkSingleFailure(t, res, err, "EOF")
	// net/http resends a GET once on its own when a reused keep-alive
	// connection closes before any response byte, so the server may see
	// more requests than the crawler made attempts.
	if got := hits.Load(); got < DefaultAttempts {
		t.Errorf("requests for the address: got %d, want at least %d (a reset is retried)", got, DefaultAttempts)
	}
	if o := res.Outcomes[3]; o.Attempts != DefaultAttempts {
		t.Errorf("attempts: got %d, want %d", o.Attempts, DefaultAttempts)
	}
}

func startHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// resetConnection closes the connection without writing a response.
func resetConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}
