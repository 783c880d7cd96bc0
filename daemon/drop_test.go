package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// getJSON serves GET path through the daemon's routes and decodes the
// JSON body into v.
func getJSON(t *testing.T, d *daemon, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	d.routes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s body %q: %v", path, rec.Body, err)
	}
	return rec.Code
}

// getBody serves GET path through the daemon's routes.
func getBody(t *testing.T, d *daemon, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	d.routes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", path, rec.Code)
	}
	return rec.Body.String()
}

// TestDropPendingAlertsOnce holds a drop back, replaces it with a drop of
// other addresses, then confirms that second drop.
func TestDropPendingAlertsOnce(t *testing.T) {
	s := startSite(t)
	mail := startSMTP(t)
	cfg := writeConfig(t, fmt.Sprintf("source: cacem-legacy\nurl: %s\narchive: %s\nparallel: 8\ndelay: 0s\n"+
		"schedule: '@every 1h'\noperator_email: %s\nsmtp: {host: 127.0.0.1, port: %d, tls: none, from: c@example.org}\n",
		s.url, filepath.Join(t.TempDir(), "a"), operator, mail.port))
	d := newTestDaemon(t, cfg, fastCrawl)
	ctx := context.Background()

	d.run(ctx, "test")
	baseline := d.state.get()
	n := len(s.original.Adresses)
	keepFirst, keepLast := s.original.Clone(), s.original.Clone()
	keepFirst.Adresses = keepFirst.Adresses[:n*7/10]
	keepLast.Adresses = keepLast.Adresses[n*3/10:]

	s.sw.Set(keepFirst.Handler())
	d.run(ctx, "test")
	checkAwaiting(t, d, n-n*7/10)
	if got := d.state.get().LastSuccess; !got.Equal(baseline.LastSuccess) {
		t.Errorf("last success = %v after a held-back drop, want the baseline's %v", got, baseline.LastSuccess)
	}
	msgs := mail.to(operator)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Data, "baisse soudaine en attente de confirmation") {
		t.Fatalf("messages to the operator after the drop = %d, want the drop alert", len(msgs))
	}
	if feed := getBody(t, d, "/feed-operateur.atom"); !strings.Contains(feed, "operator/drop-") {
		t.Errorf("operator feed lacks the drop entry:\n%s", feed)
	}

	s.sw.Set(keepLast.Handler())
	d.run(ctx, "test")
	checkAwaiting(t, d, n*3/10)
	if got := len(mail.to(operator)); got != 1 {
		t.Errorf("messages to the operator after a replacing drop = %d, want still 1", got)
	}

	d.run(ctx, "test")
	st := d.state.get()
	if st.Status != statusOK || st.Commit == baseline.Commit {
		t.Errorf("after the confirming crawl: status %s commit %s, want ok and a new commit", st.Status, st.Commit)
	}
	if got := metric(t, getBody(t, d, "/metrics"), "collecte_drop_pending"); got != 0 {
		t.Errorf("collecte_drop_pending = %v after the commit, want 0", got)
	}
	var h health
	if getJSON(t, d, "/healthz", &h); h.PendingDrop != nil {
		t.Errorf("/healthz pending_drop = %+v after the commit, want none", h.PendingDrop)
	}
}

// checkAwaiting checks the state, /healthz and /metrics of a daemon whose
// last run held back a drop of lost addresses.
func checkAwaiting(t *testing.T, d *daemon, lost int) {
	t.Helper()
	if got := d.state.get().Status; got != statusAwaiting {
		t.Errorf("state status = %s, want %s", got, statusAwaiting)
	}

	var h health
	code := getJSON(t, d, "/healthz", &h)
	if code != http.StatusOK || h.Status != statusAwaiting {
		t.Errorf("/healthz = %d %s, want 200 %s", code, h.Status, statusAwaiting)
	}
	if h.PendingDrop == nil || h.PendingDrop.LostAddresses != lost {
		t.Errorf("/healthz pending_drop = %+v, want %d lost addresses", h.PendingDrop, lost)
	}

	if got := metric(t, getBody(t, d, "/metrics"), "collecte_drop_pending"); got != 1 {
		t.Errorf("collecte_drop_pending = %v, want 1", got)
	}
}
