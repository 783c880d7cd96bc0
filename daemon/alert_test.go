package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const operator = "ops@example.org"

// TestAlertOnceThenRecovery fails five runs in a row with alert_after 3,
// then succeeds, then fails once.
func TestAlertOnceThenRecovery(t *testing.T) {
	s := startSite(t)
	mail := startSMTP(t)
	cfg := writeConfig(t, fmt.Sprintf("source: cacem-legacy\nurl: %s\narchive: %s\nparallel: 8\ndelay: 0s\n"+
		"alert_after: 3\noperator_email: %s\nsmtp: {host: 127.0.0.1, port: %d, tls: none, from: c@example.org}\n",
		s.url, filepath.Join(t.TempDir(), "a"), operator, mail.port))
	d := newTestDaemon(t, cfg, failFast)
	ctx := context.Background()
	good := s.original.Handler()

	s.sw.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	for i := 1; i <= 5; i++ {
		d.run(ctx, "test")
		want := 0
		if i >= 3 {
			want = 1
		}
		if got := len(mail.to(operator)); got != want {
			t.Errorf("after %d failed runs: %d alerts, want %d", i, got, want)
		}
	}
	if got := d.state.get().Failures; got != 5 {
		t.Errorf("consecutive failures = %d, want 5", got)
	}

	s.sw.Set(good)
	d.run(ctx, "test")
	msgs := mail.to(operator)
	if len(msgs) != 2 {
		t.Errorf("after the recovery: %d messages to the operator, want the alert and one recovery", len(msgs))
	}

	s.sw.Set(http.NotFoundHandler())
	d.run(ctx, "test")
	if got := len(mail.to(operator)); got != 2 {
		t.Errorf("one failure after the recovery sent %d messages in all, want still 2", got)
	}

	st := d.state.get()
	if len(st.Events) != 2 || !strings.HasPrefix(st.Events[0].ID, "recovery-") || !strings.HasPrefix(st.Events[1].ID, "failure-") {
		t.Fatalf("operator events = %+v, want the recovery then the alert", st.Events)
	}
	rec := httptest.NewRecorder()
	d.routes().ServeHTTP(rec, httptest.NewRequest("GET", "/feed-operateur.atom", nil))
	for _, e := range st.Events {
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), e.ID) {
			t.Errorf("GET /feed-operateur.atom = %d, want an entry %s", rec.Code, e.ID)
		}
	}
}

// TestAlertStateSurvivesRestart checks that a streak already alerted is
// not alerted again by a new process.
func TestAlertStateSurvivesRestart(t *testing.T) {
	mail := startSMTP(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := filepath.Join(t.TempDir(), "a")
	yaml := fmt.Sprintf("source: cacem-legacy\nurl: %s\narchive: %s\nalert_after: 1\noperator_email: %s\n"+
		"smtp: {host: 127.0.0.1, port: %d, tls: none, from: c@example.org}\n", closed.URL, dir, operator, mail.port)

	first, unlock, err := start(writeConfig(t, yaml), Options{Crawler: failFast})
	if err != nil {
		t.Fatal(err)
	}
	first.run(context.Background(), "test")
	unlock()

	second := newTestDaemon(t, writeConfig(t, yaml), failFast)
	second.run(context.Background(), "test")
	if got := len(mail.to(operator)); got != 1 {
		t.Errorf("alerts over two processes = %d, want 1", got)
	}
}
