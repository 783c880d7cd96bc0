package daemon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHealthy(t *testing.T) {
	cfg := writeConfig(t, "archive: "+filepath.Join(t.TempDir(), "a")+"\nschedule: '0 6 * * *'\n")
	d := newTestDaemon(t, cfg, nil)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, cfg.Location)

	tests := []struct {
		name  string
		state runState
		want  bool
	}{
		{"recent success", runState{Status: statusOK, LastSuccess: now.Add(-time.Hour)}, true},
		{"success within two days", runState{Status: statusOK, LastSuccess: now.Add(-47 * time.Hour)}, true},
		{"success too old", runState{Status: statusOK, LastSuccess: now.Add(-49 * time.Hour)}, false},
		{"last run failed", runState{Status: statusFailed, LastSuccess: now.Add(-time.Hour)}, false},
		{"drop held back", runState{Status: statusAwaiting, LastSuccess: now.Add(-time.Hour)}, true},
		{"drops held back too long", runState{Status: statusAwaiting, LastSuccess: now.Add(-49 * time.Hour)}, false},
		{"never run", runState{Status: statusNever}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.healthy(tt.state, now); got != tt.want {
				t.Errorf("healthy = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHealthzStatus(t *testing.T) {
	cfg := writeConfig(t, "archive: "+filepath.Join(t.TempDir(), "a")+"\nschedule: '@every 1h'\n")
	d := newTestDaemon(t, cfg, nil)
	h := d.routes()

	get := func() (int, health) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		var body health
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("healthz body %q: %v", rec.Body, err)
		}
		return rec.Code, body
	}

	if code, body := get(); code != http.StatusServiceUnavailable || body.Status != statusNever {
		t.Errorf("before any run: %d %+v, want 503 never_run", code, body)
	}

	err := d.state.update(func(s *runState) {
		s.Status, s.LastRun, s.LastSuccess, s.Commit = statusOK, time.Now(), time.Now(), "abc123"
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(); code != http.StatusOK || body.Commit != "abc123" || body.LastRun.IsZero() {
		t.Errorf("after a success: %d %+v, want 200 with commit abc123 and last_run", code, body)
	}
}

func TestRunEndpoint(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	yaml := "archive: " + filepath.Join(t.TempDir(), "a") + "\nsource: cacem-legacy\nurl: " + closed.URL + "\n"

	disabled := newTestDaemon(t, writeConfig(t, yaml), failFast)
	cfg := writeConfig(t, yaml)
	cfg.Archive = filepath.Join(t.TempDir(), "b")
	cfg.RunToken = "s3cret-token"
	d := newTestDaemon(t, cfg, failFast)

	const (
		challenge = `Bearer realm="collecte"`
		invalid   = `Bearer realm="collecte", error="invalid_token"`
	)
	tests := []struct {
		name          string
		d             *daemon
		auth          string
		busy          bool
		want          int
		wantChallenge string
	}{
		{"disabled without token", disabled, "Bearer s3cret-token", false, http.StatusNotFound, ""},
		{"missing token", d, "", false, http.StatusUnauthorized, challenge},
		{"scheme without token", d, "Bearer ", false, http.StatusUnauthorized, challenge},
		{"basic auth", d, "Basic czNjcmV0LXRva2Vu", false, http.StatusUnauthorized, challenge},
		{"wrong token", d, "Bearer s3cret-tokeX", false, http.StatusUnauthorized, invalid},
		{"prefix of token", d, "Bearer s3cret", false, http.StatusUnauthorized, invalid},
		{"lower-case scheme", d, "bearer s3cret-token", true, http.StatusConflict, ""},
		{"upper-case scheme", d, "BEARER s3cret-token", true, http.StatusConflict, ""},
		{"run in flight", d, "Bearer s3cret-token", true, http.StatusConflict, ""},
		{"valid token", d, "Bearer s3cret-token", false, http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.busy {
				tt.d.running.Lock()
				defer tt.d.running.Unlock()
			}
			req := httptest.NewRequest("POST", "/run", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			tt.d.routes().ServeHTTP(rec, req)

			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChallenge)
			}
		})
	}

	d.runs.Wait()
	if s := d.state.get(); s.Status != statusFailed || s.LastRun.IsZero() {
		t.Errorf("state after the triggered run = %+v, want a failed run against the closed server", s)
	}
}

func TestMetricsNames(t *testing.T) {
	cfg := writeConfig(t, "archive: "+filepath.Join(t.TempDir(), "a")+"\n")
	d := newTestDaemon(t, cfg, nil)
	rec := httptest.NewRecorder()
	d.routes().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, name := range []string{
		"collecte_runs_total", "collecte_run_failures_total", "collecte_run_duration_seconds",
		"collecte_requests_total", "collecte_retries_total", "collecte_changes_total",
		"collecte_last_success_timestamp_seconds", "collecte_mail_sent_total",
		"collecte_mail_failures_total", "collecte_push_failures_total",
	} {
		if !strings.Contains(body, "# TYPE "+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	cfg := writeConfig(t, "archive: "+filepath.Join(t.TempDir(), "a")+"\n")
	d := newTestDaemon(t, cfg, nil)
	tests := []struct {
		method, path, allow string
	}{
		{"GET", "/run", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/metrics", "GET, HEAD"},
		{"POST", "/feed.atom", "GET, HEAD"},
		{"PUT", "/feed-operateur.atom", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			d.routes().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("status = %d, want 405", rec.Code)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

// TestSecurityHeadersOnEveryRoute requests every endpoint of the daemon,
// each other method on it, and pages of the web view, and checks that
// every response carries the Content-Security-Policy of the web view.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	s := startSite(t)
	dir := filepath.Join(t.TempDir(), "archive")
	if _, err := manualCrawl(s, dir); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "archive: "+dir+"\n")
	cfg.RunToken = "s3cret-token"
	d := newTestDaemon(t, cfg, nil)
	h := d.routes()

	type request struct{ method, path string }
	requests := []request{
		{"GET", "/"}, {"GET", "/recherche?q=balata"}, {"GET", "/adresse/fort-de-france_balata_absalon"},
		{"GET", "/chronologie"}, {"GET", "/manquantes"}, {"GET", "/manquantes.csv"},
		{"GET", "/static/style.css"}, {"GET", "/no-such-page"},
	}
	for _, e := range d.endpoints() {
		requests = append(requests, request{e.method, e.path}, request{"PATCH", e.path})
	}
	requests = append(requests, request{"HEAD", "/healthz"})

	var policy string
	for _, req := range requests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, nil))
		got := rec.Header().Get("Content-Security-Policy")
		if policy == "" {
			policy = got
		}
		if got == "" || got != policy || !strings.Contains(got, "default-src 'none'") {
			t.Errorf("%s %s (%d): Content-Security-Policy = %q, want %q", req.method, req.path, rec.Code, got, policy)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options = %q, want nosniff", req.method, req.path, got)
		}
	}
}
