package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// collecteBinary builds cmd/collecte once per test binary and returns its
// path.
func collecteBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "collecte-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "collecte")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/collecte").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("build collecte: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// crawlCommand returns `collecte crawl` of url into dir, with no delay and
// 8 requests in flight.
func crawlCommand(t testing.TB, ctx context.Context, dir, url string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, collecteBinary(t), "crawl", "--archive", dir,
		"--source", "cacem-legacy", "--url", url, "--delay", "0", "--parallel", "8")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	return cmd, &out
}

// runCrawl runs `collecte crawl` to its end and returns its exit code and
// output.
func runCrawl(t testing.TB, dir, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, out := crawlCommand(t, ctx, dir, url)
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("collecte crawl did not end within the hang guard:\n%s", out)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run collecte: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

func mustRunCrawl(t testing.TB, dir, url string) string {
	t.Helper()
	code, out := runCrawl(t, dir, url)
	if code != 0 {
		t.Fatalf("collecte crawl: exit code %d, want 0:\n%s", code, out)
	}
	return out
}

// envInt returns the integer in the environment variable name, or def.
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

func commitCount(t testing.TB, dir string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(git(t, dir, "rev-list", "--count", "HEAD")))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
