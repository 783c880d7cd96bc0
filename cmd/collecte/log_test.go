package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/history/historytest"
)

// TestLogIndexMatchesWalk compares the output of log from the history
// index with the output of the walk over every report, for the whole
// history and for addresses removed and added again, colliding, changed in
// their streams, never changed, and unknown.
func TestLogIndexMatchesWalk(t *testing.T) {
	g := historytest.Build(t, 12, historytest.Options{Seed: 31})
	e := &env{log: slog.New(slog.DiscardHandler)}
	keys := []string{"", historytest.CollidingKey, historytest.OtherCollidingKey, historytest.ReturningKey,
		historytest.StreamKey, "fort-de-france_balata_rue-a0", "nowhere_at_all"}

	for _, key := range keys {
		for _, format := range []string{"text", "json"} {
			t.Run(key+" "+format, func(t *testing.T) {
				indexed, err := logEntries(e, g.Archive, key)
				if err != nil {
					t.Fatalf("log from the index: %v", err)
				}
				walked, err := walkLog(g.Archive, key)
				if err != nil {
					t.Fatalf("log from the walk: %v", err)
				}
				got, want := renderLog(t, indexed, key, format), renderLog(t, walked, key, format)
				if got != want {
					t.Errorf("log from the index differs from the walk:\n got:\n%s\nwant:\n%s", got, want)
				}
			})
		}
	}
	if _, err := os.Stat(filepath.Join(g.Archive.Dir(), history.FileName)); err != nil {
		t.Errorf("log left no index: %v", err)
	}
}

func renderLog(t *testing.T, entries []logEntry, key, format string) string {
	t.Helper()
	var out bytes.Buffer
	if err := writeLog(&env{stdout: &out, stderr: io.Discard}, entries, key, key, format); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestLogWithoutReportFails checks that a commit without a report still
// fails log, with the walk's message, although the index holds it.
func TestLogWithoutReportFails(t *testing.T) {
	g := historytest.Build(t, 5, historytest.Options{Seed: 32, WithoutReport: []int{2}})
	for _, args := range [][]string{{}, {"--adresse", historytest.CollidingKey}} {
		code, _, stderr := runCLI(t, append([]string{"log", "--archive", g.Archive.Dir()}, args...)...)
		if code != exitError || !strings.Contains(stderr, "has no reports/changes.json") {
			t.Errorf("log %v: exit %d, stderr %q; want 1 naming the missing report", args, code, stderr)
		}
	}
}
