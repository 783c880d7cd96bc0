package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/replay"
)

func TestInvalidFlagValues(t *testing.T) {
	// Every crawl names this loopback server, so that a value accepted by
	// mistake never makes the test crawl the real site.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("crawl with an invalid flag requested %s", r.URL)
		http.Error(w, "unexpected request", http.StatusInternalServerError)
	}))
	defer site.Close()

	tmp := t.TempDir()
	exportDir, _ := exportArchive(t)
	crawl := func(args ...string) []string {
		return append([]string{"crawl", "--archive", filepath.Join(tmp, "never"), "--url", site.URL}, args...)
	}
	ics := func(args ...string) []string {
		return append([]string{"export", "--archive", exportDir, "--format", "ics", "--adresse", thursdayKey}, args...)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative parallel", crawl("--parallel", "-1"), "invalid --parallel -1: want a number of requests from 1 to 64"},
		{"zero parallel", crawl("--parallel", "0"), "invalid --parallel 0"},
		{"huge parallel", crawl("--parallel", "100000"), "invalid --parallel 100000"},
		{"negative delay", crawl("--delay", "-1s"), "invalid --delay -1s"},
		{"zero timeout", crawl("--timeout", "0s"), "invalid --timeout 0s"},
		{"zero attempts", crawl("--attempts", "0"), "invalid --attempts 0"},
		{"unknown source", crawl("--source", "foo"), `invalid --source "foo": want cacem-v1 or cacem-legacy`},
		{"ftp url", crawl("--url", "ftp://127.0.0.1/x"), `invalid --url "ftp://127.0.0.1/x"`},
		{"url with path", crawl("--url", "http://127.0.0.1:8081/api"), `invalid --url "http://127.0.0.1:8081/api"`},
		{"user agent with CRLF", crawl("--user-agent", "bot\r\nX-Injected: 1"), `invalid --user-agent "bot\r\nX-Injected: 1"`},
		{"user agent with tab", crawl("--user-agent", "bot\tv1"), "control characters"},
		{"author with line feed", crawl("--author-name", "a\nparent 0"), `invalid --author-name "a\nparent 0"`},
		{"author email with bracket", crawl("--author-email", "a>b@example.org"), `invalid --author-email`},
		{"max failed", crawl("--max-failed", "101"), "invalid --max-failed 101"},
		{"demo parallel", []string{"demo", "--archive", filepath.Join(tmp, "demo"), "--parallel", "65"}, "invalid --parallel 65"},
		{"demo format", []string{"demo", "--archive", filepath.Join(tmp, "demo"), "--format", "xml"}, `invalid --format "xml"`},
		{"diff format", []string{"diff", "--archive", exportDir, "--format", "xml"}, `invalid --format "xml"`},
		{"replay max limit", []string{"replay", "--capture", "x.json", "--max-limit", "-1"}, "invalid --max-limit -1"},
		{"serve public url", []string{"serve", "--archive", exportDir, "--public-url", "ftp://example.org"}, `invalid --public-url "ftp://example.org"`},
		{"export reversed dates", ics("--from", "2027-01-31", "--to", "2026-12-01"), "invalid --to 2026-12-01: it is before --from 2027-01-31"},
		{"export range too long", ics("--from", "2026-01-01", "--to", "2030-01-01"), "spans more than"},
		{"export ftp url", ics("--url", "ftp://example.org/x"), `invalid --url "ftp://example.org/x"`},
		{"export relative url", ics("--url", "/adresse/x"), `invalid --url "/adresse/x"`},
		{"export unknown stream", ics("--flux", "XYZ"),
			`invalid stream code "XYZ": want one of OM, RS, ENC, DV, DEEE or a code present in the snapshot`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUsageError(t, tt.args, tt.want)
		})
	}
	if _, err := os.Stat(filepath.Join(tmp, "never")); err == nil {
		t.Error("a crawl with an invalid flag created its archive")
	}
}

func TestCrawlDefaultsToV1(t *testing.T) {
	v1, err := replay.V1FromJSON(captures.V1Sample())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(v1.Handler())
	defer srv.Close()

	dir := filepath.Join(t.TempDir(), "archive")
	code, stdout, stderr := runCLI(t, "crawl", "--archive", dir, "--url", srv.URL, "--delay", "0")
	if code != exitOK || !strings.Contains(stdout, "committed") {
		t.Fatalf("crawl of a v1 replay without --source: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}

	_, help, _ := runCLI(t, "crawl", "--help")
	if !strings.Contains(help, `(default "cacem-v1")`) {
		t.Errorf("crawl --help does not give cacem-v1 as the default source:\n%s", help)
	}
}
