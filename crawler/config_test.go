package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDefaultURL(t *testing.T) {
	tests := []struct {
		source  string
		want    string
		wantErr error
	}{
		{SourceLegacy, "https://collecte-dechets.cacem.fr", nil},
		{SourceV1, "https://api.cacem.fr", nil},
		{"cacem-v2", "", ErrUnknownSource},
	}

	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			got, err := DefaultURL(tt.source)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Source: SourceV1}.withDefaults()
	if err != nil {
		t.Fatalf("withDefaults: %v", err)
	}

	checks := []struct {
		name      string
		got, want any
	}{
		{"BaseURL", cfg.BaseURL, "https://api.cacem.fr"},
		{"Parallel", cfg.Parallel, DefaultParallel},
		{"Delay", cfg.Delay, DefaultDelay},
		{"Timeout", cfg.Timeout, DefaultTimeout},
		{"Attempts", cfg.Attempts, DefaultAttempts},
		{"PageLimit", cfg.PageLimit, DefaultPageLimit},
		{"MaxPages", cfg.MaxPages, DefaultMaxPages},
		{"MaxBody", cfg.MaxBody, int64(DefaultMaxBody)},
		{"UserAgent", cfg.UserAgent, "collecte/" + Version + " (+https://github.com/collecte-cacem/collecte)"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	zero, err := Config{Source: SourceV1, DelaySet: true}.withDefaults()
	if err != nil || zero.Delay != 0 {
		t.Errorf("Delay with DelaySet: got %v, %v, want 0, nil", zero.Delay, err)
	}
}

func TestConfigInvalid(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
	}{
		{"unknown source", Config{Source: "other", BaseURL: "http://127.0.0.1:1"}, ErrUnknownSource},
		{"negative parallel", Config{Source: SourceLegacy, Parallel: -1}, ErrInvalidConfig},
		{"negative delay", Config{Source: SourceLegacy, Delay: -time.Second}, ErrInvalidConfig},
		{"ftp scheme", Config{Source: SourceLegacy, BaseURL: "ftp://127.0.0.1"}, ErrInvalidConfig},
		{"path in base", Config{Source: SourceLegacy, BaseURL: "http://127.0.0.1/get"}, ErrInvalidConfig},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Crawl(context.Background(), tt.cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error: got %v, want %v", err, tt.wantErr)
			}
			if res != nil {
				t.Errorf("result: got %+v, want nil", res)
			}
		})
	}
}

func TestUserAgentSent(t *testing.T) {
	var mu sync.Mutex
	agents := map[string]bool{}
	s := &site{bodies: legacyBodies(1)}
	s.handlers = map[string]http.HandlerFunc{"/get/collectes/1": func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.UserAgent()] = true
		mu.Unlock()
		fmt.Fprint(w, collectesBody(1, "OM", `["Lundi"]`, "null"))
	}}
	base := startSite(t, s)

	if _, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base)); err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	want := "collecte/" + Version + " (+https://github.com/collecte-cacem/collecte)"
	if !agents[want] || len(agents) != 1 {
		t.Errorf("user agents: got %v, want only %q", agents, want)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{"0", 0, true},
		{"86400", retryAfterMax, true},
		{"99999999999999999", retryAfterMax, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), retryAfterMax, true},
	}

	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, ok := retryAfter(http.Header{"Retry-After": {tt.value}}, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := min(time.Second<<(attempt-1), backoffMax)
		if attempt > 6 {
			ceiling = backoffMax
		}
		for range 20 {
			got := defaultBackoff(attempt)
			if got < ceiling/2 || got > ceiling {
				t.Fatalf("attempt %d: got %v, want within [%v, %v]", attempt, got, ceiling/2, ceiling)
			}
		}
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		ctype   string
		want    string
		wantErr bool
	}{
		{"utf-8 declared", "ménagères", "application/json; charset=utf-8", "ménagères", false},
		{"no charset", "ménagères", "application/json", "ménagères", false},
		{"latin-1", "m\xe9nag\xe8res", "application/json; charset=ISO-8859-1", "ménagères", false},
		{"windows-1252 quoted", "\x93OM\x94", `text/plain; charset="windows-1252"`, "\u201cOM\u201d", false},
		{"bom stripped", "\uFEFF{}", "application/json", "{}", false},
		{"invalid utf-8", "m\xe9nag\xe8res", "application/json", "", true},
		{"replacement char", "m\uFFFDnag", "application/json", "", true},
		{"unknown charset", "{}", "application/json; charset=x-unknown", "", true},
		{"utf-8 declared latin-1", "ménagères", "application/json; charset=ISO-8859-1", "", true},
		{"ascii declared latin-1", "{}", "application/json; charset=ISO-8859-1", "{}", false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeText([]byte(tt.raw), parseContentType(tt.ctype))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFailedErrorMessage(t *testing.T) {
	var failed []Outcome
	for i := range 5 {
		failed = append(failed, Outcome{URL: fmt.Sprintf("http://h/get/collectes/%d", i), Err: "server returned 500"})
	}
	msg := (&FailedError{Failed: failed}).Error()

	for _, want := range []string{"5 request(s)", "/get/collectes/0: server returned 500", "/get/collectes/2", "and 2 more"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "/get/collectes/3") {
		t.Errorf("message %q names more than %d URLs", msg, maxNamed)
	}
}

func TestProgressLines(t *testing.T) {
	old := progressInterval
	progressInterval = 10 * time.Millisecond
	t.Cleanup(func() { progressInterval = old })

	s := &site{bodies: legacyBodies(5), delay: 15 * time.Millisecond}
	base := startSite(t, s)
	cfg := testConfig(t, SourceLegacy, base)
	var buf syncBuffer
	cfg.Progress = io.Discard
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))

	if _, err := crawlWithGuard(t, context.Background(), cfg); err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	out := buf.String()
	if !strings.Contains(out, "msg=\"crawl progress\"") || !strings.Contains(out, "planned=") {
		t.Errorf("progress output: got %q, want crawl progress lines", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
