package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/crawler"
)

// robotsSite serves site, and robots.txt with robots.
func robotsSite(site, robots http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robots.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	})
}

// TestRobotsUnavailableSkipsRun checks that a robots.txt answering 5xx or
// timing out skips the run with one clear error and commits nothing, and
// that a 4xx robots.txt restricts nothing.
func TestRobotsUnavailableSkipsRun(t *testing.T) {
	fx := newLegacyFixture(t)
	tests := []struct {
		name    string
		robots  http.HandlerFunc
		skipped bool
		wantErr string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, true, "last status 500"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, true, "timed out"},
		{"404", func(w http.ResponseWriter, r *http.Request) {
			http.NotFound(w, r)
		}, false, ""},
		{"403", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "User-agent: *\nDisallow: /\n", http.StatusForbidden)
		}, false, ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, url := startSite(t, robotsSite(fx.changed.Handler(), tt.robots))
			cfg := runConfig(url, nil)
			cfg.Timeout = 300 * time.Millisecond
			cfg.Attempts = 2
			a := copyArchive(t, fx.first)

			res, logs, err := runPipeline(t, a, cfg)

			if !tt.skipped {
				checkEnd(t, a, fx.base, fx.want, res, err, endClean, "")
				return
			}
			if !errors.Is(err, crawler.ErrRobotsUnavailable) || !errors.Is(err, crawler.ErrCrawlFailed) {
				t.Fatalf("error: got %v, want ErrRobotsUnavailable and ErrCrawlFailed", err)
			}
			for _, want := range []string{url + "/robots.txt", "run skipped", tt.wantErr} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if n := strings.Count(logs, "robots.txt unavailable; run skipped"); n != 1 {
				t.Errorf("logs: %d lines about the skipped run, want 1:\n%s", n, logs)
			}
			if strings.Contains(logs, "/get/") {
				t.Errorf("the crawl requested the site despite robots.txt:\n%s", logs)
			}
			if got := headHash(t, a); got != fx.base {
				t.Errorf("HEAD moved to %s", got)
			}
		})
	}
}
