package daemon

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with the file name of testdata/, or rewrites the
// file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./daemon -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n%s", path, got)
	}
}

// hangGuard bounds every wait of these tests. It is a guard against a
// hang, not a timing assertion.
const hangGuard = 3 * time.Minute

// mail is one message accepted by the test SMTP server.
type mail struct {
	To   []string
	Data string
}

// smtpServer is a real SMTP server (emersion/go-smtp) on loopback that
// keeps the messages it accepts. While reject is set, it answers every
// recipient with a temporary failure (451).
type smtpServer struct {
	port   int
	reject atomic.Bool
	mu     sync.Mutex
	got    []mail
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// to returns the messages sent to addr.
func (s *smtpServer) to(addr string) []mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mail
	for _, m := range s.got {
		for _, rcpt := range m.To {
			if rcpt == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{server: s}, nil
}

type session struct {
	server *smtpServer
	msg    mail
}

func (se *session) Mail(string, *smtp.MailOptions) error { return nil }

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.server.reject.Load() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	se.msg.To = append(se.msg.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.msg.Data = string(data)
	se.server.mu.Lock()
	se.server.got = append(se.server.got, se.msg)
	se.server.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.msg = mail{} }
func (se *session) Logout() error { return nil }

// site serves the real 2021 capture on loopback behind a switch, and
// counts the requests for /get/communes, one per crawl.
type site struct {
	url      string
	sw       *replay.Switch
	original *replay.Legacy
	crawls   atomic.Int64
}

func startSite(t *testing.T) *site {
	t.Helper()
	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{original: l, sw: replay.NewSwitch(l.Handler())}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/get/communes" {
			s.crawls.Add(1)
		}
		s.sw.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// serveDays serves the capture with the household-waste days of address 3
// (FORT-DE-FRANCE, BALATA, Absalon) replaced by days.
func (s *site) serveDays(days ...string) {
	l := s.original.Clone()
	for i, c := range l.Collectes[3] {
		if c.Title == "Ordures ménagères (bac gris)" {
			l.Collectes[3][i].Days = days
		}
	}
	s.sw.Set(l.Handler())
}

// writeConfig writes a YAML configuration and loads it as the daemon
// command does.
func writeConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "collecte.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{File: path})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fastCrawl removes the pauses of the crawler, so a test crawl of the
// 2,141 addresses takes a few seconds.
func fastCrawl(c *crawler.Config) {
	c.Backoff = func(int) time.Duration { return time.Millisecond }
}

// newTestDaemon builds a daemon without its scheduler and HTTP server,
// for tests that call its methods directly.
func newTestDaemon(t *testing.T, cfg *config.Config, crawl func(*crawler.Config)) *daemon {
	t.Helper()
	d, unlock, err := start(cfg, Options{Logger: testLogger(t), Crawler: crawl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	d.root = context.Background()
	return d
}

// failFast makes a failed crawl end at its first failed request.
func failFast(c *crawler.Config) {
	fastCrawl(c)
	c.Attempts = 1
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// running is a daemon started by startDaemon.
type running struct {
	addr string
	stop func() error
}

// startDaemon runs Run in the background until the test stops it.
func startDaemon(t *testing.T, cfg *config.Config) *running {
	t.Helper()
	return startDaemonWith(t, cfg, Options{Crawler: fastCrawl})
}

// startDaemonWith is startDaemon with the hooks of opt. It sets Ready, and
// the logger unless opt has one.
func startDaemonWith(t *testing.T, cfg *config.Config, opt Options) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	if opt.Logger == nil {
		opt.Logger = testLogger(t)
	}
	opt.Ready = func(addr string) { ready <- addr }
	go func() { done <- Run(ctx, cfg, opt) }()

	r := &running{}
	select {
	case r.addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("daemon did not start: %v", err)
	case <-time.After(hangGuard):
		t.Fatal("daemon did not start")
	}

	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(hangGuard):
				t.Fatal("daemon did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// get fetches path from the daemon and returns the status and body.
func (r *running) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + r.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// waitFor polls cond until it holds, failing the test after hangGuard.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logLine is one log record kept by logStore, with its attributes as text.
type logLine struct {
	Level   slog.Level
	Message string
	Attrs   map[string]string
}

// logStore keeps every log record of a daemon, for the tests of its logs.
type logStore struct {
	mu    sync.Mutex
	lines []logLine
}

// logger returns a logger that writes into s and to the test log of t.
func (s *logStore) logger(t *testing.T) *slog.Logger {
	return slog.New(storeHandler{store: s, next: testLogger(t).Handler()})
}

// find returns the records whose message is msg, in order.
func (s *logStore) find(msg string) []logLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []logLine
	for _, l := range s.lines {
		if l.Message == msg {
			out = append(out, l)
		}
	}
	return out
}

type storeHandler struct {
	store *logStore
	attrs []slog.Attr
	next  slog.Handler
}

func (h storeHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h storeHandler) Handle(ctx context.Context, r slog.Record) error {
	line := logLine{Level: r.Level, Message: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		line.Attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		line.Attrs[a.Key] = a.Value.String()
		return true
	})
	h.store.mu.Lock()
	h.store.lines = append(h.store.lines, line)
	h.store.mu.Unlock()
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h storeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return storeHandler{store: h.store, attrs: append(slices.Clone(h.attrs), attrs...), next: h.next.WithAttrs(attrs)}
}

func (h storeHandler) WithGroup(name string) slog.Handler {
	return storeHandler{store: h.store, attrs: h.attrs, next: h.next.WithGroup(name)}
}
