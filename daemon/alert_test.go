package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/pipeline"
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

// TestAlertTextsGolden renders the three operator alerts with the times in
// UTC, as the state file gives them back, and checks that the messages show
// them in Martinique time (UTC-4): 19:56 UTC is 15:56.
func TestAlertTextsGolden(t *testing.T) {
	cfg := writeConfig(t, "archive: "+filepath.Join(t.TempDir(), "a")+"\nurl: http://127.0.0.1:1\nalert_after: 3\n")
	d := newTestDaemon(t, cfg, nil)
	started := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	s := &runState{Failures: 2, LastSuccess: time.Date(2026, 12, 4, 19, 56, 0, 0, time.UTC)}

	failure := d.failureEvent(s, &outcome{started: started, err: errors.New("crawl cacem-legacy: list request failed")})
	if failure == nil {
		t.Fatal("no alert at the third failure")
	}
	golden(t, "alert-failure.txt", failure.Title+"\n\n"+failure.Text+"\n")

	recovery := d.recoveryEvent(s, &outcome{started: started.Add(time.Hour)})
	golden(t, "alert-recovery.txt", recovery.Title+"\n\n"+recovery.Text+"\n")

	drop := pipeline.Drop{
		Head: strings.Repeat("a", 40), Reason: "1562 of 2141 addresses gone; every rule of stream ENC gone",
		Detected: started, HeadAddresses: 2141, Addresses: make([]string, 1562), Streams: []string{"ENC"},
		Communes: []pipeline.CommuneLoss{{Commune: "FORT-DE-FRANCE", Lost: 995, Total: 995}, {Commune: "LAMENTIN", Lost: 567, Total: 567}},
	}
	res := &pipeline.Result{Awaiting: drop.Reason, Drop: &drop}
	pending := d.dropEvent(s, &outcome{started: started, res: res})
	if pending == nil {
		t.Fatal("no alert for a new pending drop")
	}
	golden(t, "alert-drop.txt", pending.Title+"\n\n"+pending.Text+"\n")
}

// TestAlertLogLevels checks that an alert is logged as a warning and the
// recovery that ends it as information.
func TestAlertLogLevels(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var logs logStore
	cfg := writeConfig(t, "source: cacem-legacy\nurl: "+closed.URL+"\narchive: "+filepath.Join(t.TempDir(), "a")+"\nalert_after: 1\n")
	d, unlock, err := start(cfg, Options{Logger: logs.logger(t), Crawler: failFast})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	d.run(context.Background(), "test")
	d.finish(&outcome{trigger: "test", started: time.Now(), res: &pipeline.Result{}})

	alerts := logs.find("operator alert")
	if len(alerts) != 2 {
		t.Fatalf("operator alert lines = %d, want the failure and the recovery", len(alerts))
	}
	if got := alerts[0].Level; got != slog.LevelWarn {
		t.Errorf("failure alert level = %v, want WARN", got)
	}
	if got := alerts[1].Level; got != slog.LevelInfo {
		t.Errorf("recovery level = %v, want INFO", got)
	}
}
