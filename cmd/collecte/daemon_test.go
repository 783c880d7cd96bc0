package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that the goroutines of the daemon may write
// to concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemonConfig writes a daemon configuration on loopback that runs no
// crawl in the test's lifetime, followed by extra.
func daemonConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "collecte.yaml")
	yaml := "archive: " + filepath.Join(dir, "archive") + "\nlisten: 127.0.0.1:0\nschedule: '@every 1h'\n" +
		"url: http://127.0.0.1:1\n" + extra
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDaemonStopLogOrder stops the daemon as the first signal does and
// checks that the log lines come in the order of the events.
func TestDaemonStopLogOrder(t *testing.T) {
	path := daemonConfig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"daemon", "--config", path}, &stdout, &stderr) }()

	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), "daemon started") {
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit = %d, want %d", code, exitOK)
		}
	case <-time.After(time.Minute):
		t.Fatal("daemon did not stop")
	}

	logs := stderr.String()
	order := []string{"stopping; send the signal again", "daemon stopping", "daemon stopped"}
	last := -1
	for _, msg := range order {
		i := strings.Index(logs, msg)
		if i < 0 {
			t.Errorf("logs lack %q:\n%s", msg, logs)
			continue
		}
		if i < last {
			t.Errorf("%q is logged before the line above it in %q:\n%s", msg, order, logs)
		}
		last = i
	}
}
