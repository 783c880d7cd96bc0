package replay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/captures"
)

func TestListenRejectsNonLoopback(t *testing.T) {
	tests := []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.org:0"}
	for _, listen := range tests {
		t.Run(listen, func(t *testing.T) {
			ln, err := Listen(listen)
			if ln != nil {
				ln.Close()
			}
			if !errors.Is(err, ErrNotLoopback) {
				t.Errorf("error: got %v, want ErrNotLoopback", err)
			}
		})
	}
}

func TestListenInvalidAddress(t *testing.T) {
	_, err := Listen("127.0.0.1")

	if err == nil || errors.Is(err, ErrNotLoopback) {
		t.Errorf("error: got %v, want a missing-port error", err)
	}
}

func TestListenLoopback(t *testing.T) {
	tests := []struct {
		listen   string
		optional bool
	}{
		{listen: "127.0.0.1:0"},
		{listen: "localhost:0"},
		{listen: "[::1]:0", optional: true},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			ln, err := Listen(tt.listen)
			if err != nil && tt.optional && !errors.Is(err, ErrNotLoopback) {
				t.Skipf("no IPv6 loopback here: %v", err)
			}
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			defer ln.Close()

			if port := ln.Addr().(*net.TCPAddr).Port; port == 0 {
				t.Errorf("port: got 0, want a picked port")
			}
		})
	}
}

func TestServeRejectsNonLoopback(t *testing.T) {
	err := Serve(context.Background(), "0.0.0.0:0", http.NotFoundHandler(), slog.New(slog.DiscardHandler))

	if !errors.Is(err, ErrNotLoopback) {
		t.Errorf("error: got %v, want ErrNotLoopback", err)
	}
}

func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	addrs := make(chan string, 1)
	logger := slog.New(&addrHandler{addrs: addrs})
	h := mustV1(t, captures.V1Sample()).Handler()

	served := make(chan error, 1)
	go func() { served <- Serve(ctx, "127.0.0.1:0", h, logger) }()

	var addr string
	select {
	case addr = <-addrs:
	case err := <-served:
		t.Fatalf("Serve returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Serve logged no address within 30s")
	}

	if resp := httpGet(t, "http://"+addr+"/robots.txt"); string(resp.body) != robotsTxt {
		t.Errorf("robots.txt: got %q, want %q", resp.body, robotsTxt)
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after cancel: got %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return within 30s of cancel")
	}
}

// httpGet sends GET url through a real HTTP client.
func httpGet(tb testing.TB, url string) response {
	tb.Helper()

	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read %s: %v", url, err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}
}

// addrHandler is a slog handler that sends the "addr" of the
// "replay listening" record to addrs.
type addrHandler struct {
	addrs chan<- string
}

func (h *addrHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *addrHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "replay listening" {
		return nil
	}

	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" {
			h.addrs <- a.Value.String()
		}
		return true
	})
	return nil
}

func (h *addrHandler) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *addrHandler) WithGroup(string) slog.Handler { return h }
