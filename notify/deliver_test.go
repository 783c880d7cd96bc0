package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
)

const (
	publicURL     = "https://collecte.example.org"
	sender        = "collecte@example.org"
	operatorEmail = "ops@example.org"
)

var (
	balataOM   = Watcher{Email: "balata@example.org", Selection: diff.Selection{Quartiers: []string{"balata"}, Flux: []string{"OM"}}}
	schoelcher = Watcher{Email: "schoelcher@example.org", Selection: diff.Selection{Communes: []string{"SCHOELCHER"}}}
)

func newNotifier(t *testing.T, srv *smtpServer, statePath string, now func() time.Time, watchers ...Watcher) *Notifier {
	t.Helper()
	n, err := New(Options{
		SMTP:      SMTP{Host: "127.0.0.1", Port: srv.port, From: sender, TLS: TLSNone, Timeout: time.Minute},
		Watchers:  watchers,
		PublicURL: publicURL,
		StatePath: statePath,
		Logger:    discardLogger(),
		Now:       now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func deliver(t *testing.T, n *Notifier, a *archive.Archive) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := n.Deliver(ctx, a)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return st
}

func wantStats(t *testing.T, step string, got, want Stats) {
	t.Helper()
	if got != want {
		t.Errorf("%s: stats = %+v, want %+v", step, got, want)
	}
}

// TestDeliverEndToEnd crawls the 2021 capture three times: the baseline, a
// change in BALATA, then a change of the raw capture alone.
func TestDeliverEndToEnd(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	srv := startSMTP(t, nil, "", "")
	state := filepath.Join(t.TempDir(), "notify.json")
	n := newNotifier(t, srv, state, time.Now, balataOM, schoelcher)

	s.crawl()
	wantStats(t, "baseline", deliver(t, n, s.archive), Stats{})

	s.mutate()
	changed := s.crawl()
	wantStats(t, "change", deliver(t, n, s.archive), Stats{Sent: 1})

	s.reorderDays()
	s.crawl()
	wantStats(t, "raw capture", deliver(t, n, s.archive), Stats{})

	restarted := newNotifier(t, srv, state, time.Now, balataOM, schoelcher)
	wantStats(t, "restart", deliver(t, restarted, s.archive), Stats{})

	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	if got[0].From != sender || len(got[0].To) != 1 || got[0].To[0] != balataOM.Email {
		t.Errorf("envelope = %s -> %v, want %s -> [%s]", got[0].From, got[0].To, sender, balataOM.Email)
	}
	checkChangeMessage(t, parseMessage(t, got[0].Data), changed.Hash)
}

func checkChangeMessage(t *testing.T, m parsed, hash string) {
	t.Helper()
	if want := "Collecte des déchets : 1 changement d'horaires, 1 nouvelle adresse (FORT-DE-FRANCE)"; m.Subject != want {
		t.Errorf("subject = %q, want %q", m.Subject, want)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
		t.Errorf("raw subject %q is not an RFC 2047 encoded word", raw)
	}
	if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q, want auto-generated", got)
	}
	for _, body := range []struct{ name, text string }{{"text", m.Text}, {"html", m.HTML}} {
		for _, want := range []string{
			"Ordures ménagères : Mercredi et Samedi → Mercredi et Vendredi",
			"Rue Nouvelle",
			publicURL + "/instantane/" + hash,
			publicURL + "/adresse/",
			publicURL + "/feed.atom?quartier=balata",
		} {
			if !strings.Contains(body.text, want) {
				t.Errorf("%s part lacks %q:\n%s", body.name, want, body.text)
			}
		}
		if strings.Contains(body.text, "Emballages") || strings.Contains(body.text, "Louis Blanc") {
			t.Errorf("%s part shows changes the watcher does not follow:\n%s", body.name, body.text)
		}
	}
}

// changedHistory returns an archive with the baseline and one change, and a
// state file where the watchers were registered at the baseline.
func changedHistory(t *testing.T, watchers ...Watcher) (*site, archive.Commit, string) {
	t.Helper()
	s := newSite(t)
	baseline := s.crawl()
	s.mutate()
	changed := s.crawl()
	return s, changed, seedState(t, baseline.Hash, watchers...)
}

// seedState writes a state file where watchers started at since, as if a
// Deliver had run then.
func seedState(t *testing.T, since string, watchers ...Watcher) string {
	t.Helper()
	st := &state{Version: stateVersion, Watchers: map[string]*watcherState{}, Deliveries: map[string]*delivery{}}
	for _, w := range watchers {
		st.Watchers[strings.ToLower(w.Email)] = &watcherState{Since: since}
	}
	path := filepath.Join(t.TempDir(), "notify.json")
	if err := st.save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDeliverRetriesAfterBackoff(t *testing.T) {
	t.Parallel()
	s, changed, statePath := changedHistory(t, balataOM)
	srv := startSMTP(t, nil, "", "")
	srv.setReject(true)
	clk := &clock{now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	n := newNotifier(t, srv, statePath, clk.Now, balataOM)

	nextTry := clk.now.Add(firstRetry)
	wantStats(t, "rejected", deliver(t, n, s.archive), Stats{Failed: 1, NextTry: nextTry})
	d := readState(t, statePath).Deliveries[deliveryKey(changed.Hash, balataOM.Email)]
	if d == nil || d.Attempts != 1 || d.Status != statusPending || !strings.Contains(d.LastError, "451") {
		t.Fatalf("delivery after a 451 = %+v, want pending with one attempt and the 451 error", d)
	}
	if want := clk.now.Add(firstRetry); !d.NextTry.Equal(want) {
		t.Errorf("next try = %v, want %v", d.NextTry, want)
	}

	srv.setReject(false)
	wantStats(t, "before the backoff", deliver(t, n, s.archive), Stats{Pending: 1, NextTry: nextTry})

	clk.now = clk.now.Add(firstRetry)
	restarted := newNotifier(t, srv, statePath, clk.Now, balataOM)
	wantStats(t, "after the backoff", deliver(t, restarted, s.archive), Stats{Sent: 1, Retried: 1})
	wantStats(t, "again", deliver(t, restarted, s.archive), Stats{})

	if got := len(srv.received()); got != 1 {
		t.Errorf("received %d messages, want 1", got)
	}
	d = readState(t, statePath).Deliveries[deliveryKey(changed.Hash, balataOM.Email)]
	if d.Status != statusSent || d.Attempts != 2 {
		t.Errorf("delivery = %+v, want sent after 2 attempts", d)
	}
}

// TestWatcherCommuneWithoutHyphens follows "fort de france", which must
// match FORT-DE-FRANCE as the address keys do.
func TestWatcherCommuneWithoutHyphens(t *testing.T) {
	t.Parallel()
	spaced := Watcher{Email: "fdf@example.org", Selection: diff.Selection{Communes: []string{"fort de france"}}}
	s, _, statePath := changedHistory(t, spaced)
	srv := startSMTP(t, nil, "", "")
	n := newNotifier(t, srv, statePath, time.Now, spaced)

	wantStats(t, "change", deliver(t, n, s.archive), Stats{Sent: 1})
}

func TestNewWatcherStartsAtHead(t *testing.T) {
	t.Parallel()
	s, _, statePath := changedHistory(t)
	srv := startSMTP(t, nil, "", "")
	n := newNotifier(t, srv, statePath, time.Now, balataOM)

	wantStats(t, "first deliver", deliver(t, n, s.archive), Stats{})
	if got := len(srv.received()); got != 0 {
		t.Errorf("a new watcher received %d messages for older commits, want 0", got)
	}
	head, err := s.archive.Head()
	if err != nil {
		t.Fatal(err)
	}
	if ws := readState(t, statePath).Watchers[balataOM.Email]; ws == nil || ws.Since != head.Hash {
		t.Errorf("watcher state = %+v, want since %s", ws, head.Hash)
	}
}

func TestHeaderInjection(t *testing.T) {
	t.Parallel()
	s, _, _ := changedHistory(t)
	head, err := s.archive.Head()
	if err != nil {
		t.Fatal(err)
	}
	statePath := seedState(t, head.Hash, balataOM)
	s.renameHostile()
	hostile := s.crawl()

	srv := startSMTP(t, nil, "", "")
	n := newNotifier(t, srv, statePath, time.Now, balataOM)
	wantStats(t, "hostile", deliver(t, n, s.archive), Stats{Sent: 1})

	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	if len(got[0].To) != 1 || got[0].To[0] != balataOM.Email {
		t.Errorf("recipients = %v, want only %s", got[0].To, balataOM.Email)
	}
	m := parseMessage(t, got[0].Data)
	if _, ok := m.Header["Bcc"]; ok {
		t.Errorf("a street name added a Bcc header:\n%s", got[0].Data)
	}
	if !strings.Contains(m.Text, "X  Bcc: evil@example.org — nouvelle adresse") {
		t.Errorf("text part does not show the cleaned street name:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, hostile.Hash) {
		t.Errorf("text part does not link commit %s", hostile.Hash)
	}
}

func TestDeliverOverSTARTTLS(t *testing.T) {
	t.Parallel()
	s, _, statePath := changedHistory(t, balataOM)
	cert, pool := selfSigned(t)
	srv := startSMTP(t, &cert, "collecte", "secret")

	n, err := New(Options{
		SMTP: SMTP{Host: "127.0.0.1", Port: srv.port, From: sender, TLS: TLSStartTLS, Username: "collecte", Password: "secret",
			TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, Timeout: time.Minute},
		Watchers: []Watcher{balataOM}, PublicURL: publicURL, StatePath: statePath, Logger: discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantStats(t, "starttls", deliver(t, n, s.archive), Stats{Sent: 1})

	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	if !got[0].TLS || got[0].User != "collecte" {
		t.Errorf("message over TLS = %v as user %q, want TLS as collecte", got[0].TLS, got[0].User)
	}
}

func TestSTARTTLSRequired(t *testing.T) {
	srv := startSMTP(t, nil, "", "")
	s := SMTP{Host: "127.0.0.1", Port: srv.port, From: sender, TLS: TLSStartTLS, Timeout: time.Minute}
	n, err := New(Options{SMTP: s, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Alert(context.Background(), "operator@example.org", "test", "body")
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("send to a server without STARTTLS: err = %v, want a STARTTLS error", err)
	}
	if got := len(srv.received()); got != 0 {
		t.Errorf("received %d messages in clear text, want 0", got)
	}
}

func readState(t *testing.T, path string) *state {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}
