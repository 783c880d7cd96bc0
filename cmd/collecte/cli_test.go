package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/replay"
)

// runCLI runs the command line in-process and returns its exit code and
// outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"--log-level", "warn"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// demoDir is the archive of the demo, shared by the tests of this package
// and removed by TestMain.
var demoDir string

var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "collecte-cli-")
	if err != nil {
		panic(err)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// demoArchive returns the archive of a demo run, running it if no test
// did yet.
func demoArchive(t *testing.T) string {
	t.Helper()
	if demoDir != "" {
		return demoDir
	}
	dir := filepath.Join(sharedDir, "demo-archive")
	code, _, stderr := runCLI(t, "demo", "--archive", dir, "--format", "json")
	if code != exitOK {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	demoDir = dir
	return dir
}

// TestDemoReportsRealChanges checks the demo's 2021 → 2024 diff. The counts
// are those of the two real captures: 2,141 addresses in 2021, 2,450 streets
// in 2024, most renamed or regrouped between the two generations of the site.
func TestDemoReportsRealChanges(t *testing.T) {
	dir := filepath.Join(sharedDir, "demo-archive-counts")
	code, stdout, stderr := runCLI(t, "demo", "--archive", dir, "--format", "json")
	if code != exitOK {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	demoDir = dir

	var report struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("demo output is not JSON: %v", err)
	}
	want := map[string]int{
		"schedule_changed": 851, "collection_missing": 87, "collection_added": 54,
		"address_added": 1459, "address_removed": 1150,
	}
	for kind, n := range want {
		if report.Counts[kind] != n {
			t.Errorf("counts[%s] = %d, want %d", kind, report.Counts[kind], n)
		}
	}
	// Every 2021 address is either kept or removed, every 2024 one kept or added.
	kept := 2141 - report.Counts["address_removed"]
	if got := kept + report.Counts["address_added"]; got != 2450 {
		t.Errorf("addresses after the demo = %d, want 2450", got)
	}
}

func TestLogAndMissingOnDemo(t *testing.T) {
	dir := demoArchive(t)

	code, stdout, stderr := runCLI(t, "log", "--archive", dir)
	if code != exitOK {
		t.Fatalf("log exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines = %d, want 2:\n%s", len(lines), stdout)
	}
	if !strings.HasSuffix(lines[1], "first snapshot: 2,141 addresses") {
		t.Errorf("oldest entry = %q, want the first snapshot", lines[1])
	}

	code, stdout, _ = runCLI(t, "log", "--archive", dir, "--adresse", "fort-de-france_balata_absalon")
	if code != exitOK {
		t.Fatalf("log --adresse exit %d", code)
	}
	if !strings.Contains(stdout, "schedule_changed FORT-DE-FRANCE / BALATA / Absalon") {
		t.Errorf("address history lacks the Absalon change:\n%s", stdout)
	}
	if !strings.Contains(stdout, "present in the first snapshot") {
		t.Errorf("address history lacks the first snapshot:\n%s", stdout)
	}

	code, stdout, _ = runCLI(t, "missing", "--archive", dir, "--format", "json", "HEAD~1")
	if code != exitOK {
		t.Fatalf("missing exit %d", code)
	}
	var missing []map[string]string
	if err := json.Unmarshal([]byte(stdout), &missing); err != nil {
		t.Fatal(err)
	}
	if len(missing) != 254 {
		t.Errorf("missing collections in 2021 = %d, want 254", len(missing))
	}
}

func TestDiffRevisions(t *testing.T) {
	dir := demoArchive(t)
	today := time.Now().In(martinique()).Format(time.DateOnly)

	_, byDefault, _ := runCLI(t, "diff", "--archive", dir, "--format", "text")
	code, byRev, stderr := runCLI(t, "diff", "--archive", dir, "--format", "text", "HEAD~1", today)
	if code != exitOK {
		t.Fatalf("diff by date exit %d: %s", code, stderr)
	}
	if byDefault != byRev || byDefault == "" {
		t.Error("diff HEAD~1 TODAY differs from the default diff")
	}

	code, _, stderr = runCLI(t, "diff", "--archive", dir, "2019-01-01")
	if code != exitError || !strings.Contains(stderr, "2019-01-01") {
		t.Errorf("diff before the first snapshot: exit %d, stderr %q; want 1 naming the date", code, stderr)
	}
}

func TestExitCodes(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer broken.Close()
	tmp := t.TempDir()

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"help", []string{"help"}, exitOK},
		{"command help", []string{"diff", "--help"}, exitOK},
		{"bad flag", []string{"crawl", "--parallel", "many"}, exitUsage},
		{"crawl without archive", []string{"crawl"}, exitUsage},
		{"bad format", []string{"missing", "--archive", tmp, "--format", "xml"}, exitUsage},
		{"missing archive", []string{"diff", "--archive", filepath.Join(tmp, "none")}, exitError},
		{"crawl failed", []string{"crawl", "--archive", filepath.Join(tmp, "a"), "--url", broken.URL,
			"--attempts", "1", "--delay", "0"}, exitCrawlFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.want {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestCrawlLockedArchive(t *testing.T) {
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := a.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	code, _, stderr := runCLI(t, "crawl", "--archive", a.Dir(), "--url", "http://127.0.0.1:1")
	if code != exitLocked {
		t.Errorf("exit = %d, want %d; stderr:\n%s", code, exitLocked, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprint(os.Getpid())) {
		t.Errorf("lock error does not name the holder's PID: %s", stderr)
	}
}

func TestCrawlAwaitingExitCode(t *testing.T) {
	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}
	sw := replay.NewSwitch(l.Handler())
	srv := httptest.NewServer(sw)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "archive")
	crawl := []string{"crawl", "--archive", dir, "--source", "cacem-legacy", "--url", srv.URL, "--delay", "0", "--parallel", "8"}

	if code, _, stderr := runCLI(t, crawl...); code != exitOK {
		t.Fatalf("first crawl exit %d: %s", code, stderr)
	}
	dropped := l.Clone()
	dropped.Adresses = dropped.Adresses[:10]
	sw.Set(dropped.Handler())

	code, stdout, _ := runCLI(t, crawl...)
	if code != exitAwaiting || !strings.Contains(stdout, "awaiting confirmation") {
		t.Errorf("drop: exit %d, stdout %q; want %d and the reason", code, stdout, exitAwaiting)
	}
	code, stdout, _ = runCLI(t, crawl...)
	if code != exitOK || !strings.Contains(stdout, "committed") {
		t.Errorf("confirmed drop: exit %d, stdout %q; want a commit", code, stdout)
	}
}

func TestVerifyDemoArchive(t *testing.T) {
	dir := demoArchive(t)
	code, stdout, stderr := runCLI(t, "verify", "--archive", dir)
	if code != exitOK || !strings.Contains(stdout, "ok: 2 commits verified") {
		t.Errorf("verify: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
