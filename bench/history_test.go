package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
)

// BenchmarkHistory runs two queries on the hourly archive of
// BenchmarkArchiveGrowth (8,760 commits). The first is the history of one
// address as `collecte log --adresse` reads it, beside `git log -p --
// raw/get/collectes/ID.json`. The second is the semantic diff of the first
// and last snapshots as `collecte diff` computes it, beside `git diff FIRST
// LAST`.
// Each iteration opens the archive, as a command does.
// COLLECTE_BENCH_HISTORY_ARCHIVE names another archive to query instead.
func BenchmarkHistory(b *testing.B) {
	dir := os.Getenv("COLLECTE_BENCH_HISTORY_ARCHIVE")
	switch {
	case dir != "":
	case short():
		dir = buildGrowth(b, filepath.Join(b.TempDir(), "archive"), 30, time.Hour).Dir
	default:
		dir = cachedGrowth(b, "hourly-8760", 8760, time.Hour).Dir
	}
	key, id, first, last := historySubjects(b, dir)

	b.Run("address/collecte", func(b *testing.B) {
		var entries int
		for i := 0; i < b.N; i++ {
			entries = addressHistory(b, dir, key)
		}
		b.ReportMetric(float64(entries), "snapshots")
	})
	b.Run("address/git", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			runGit(b, dir, "log", "-p", "--", "raw/get/collectes/"+id+".json")
		}
	})
	b.Run("diff/collecte", func(b *testing.B) {
		var changes int
		for i := 0; i < b.N; i++ {
			changes = compareSnapshots(b, dir, first, last)
		}
		b.ReportMetric(float64(changes), "changes")
	})
	b.Run("diff/git", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			runGit(b, dir, "diff", first, last)
		}
	})
}

// historySubjects picks the address of the queries, the middle one of HEAD,
// and returns its key and source id with the first and last commit hashes.
func historySubjects(b *testing.B, dir string) (key, id, first, last string) {
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	commits, err := a.Log()
	if err != nil {
		b.Fatal(err)
	}
	s, _, err := pipeline.ReadSnapshot(a, commits[0].Hash)
	if err != nil {
		b.Fatal(err)
	}
	addr := s.Addresses[len(s.Addresses)/2]
	return addr.Key, addr.ID, commits[len(commits)-1].Hash, commits[0].Hash
}

// addressHistory lists the commits whose report changes key, and the first
// commit when the address is in it, as `collecte log --adresse` does: it
// reads reports/changes.json of every commit. It returns the number of
// commits listed.
func addressHistory(b *testing.B, dir, key string) int {
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	commits, err := a.Log()
	if err != nil {
		b.Fatal(err)
	}

	entries := 0
	for _, c := range commits {
		data, err := a.ReadFile(c.Hash, pipeline.ReportJSONPath)
		if err != nil {
			b.Fatalf("read report of %s: %v", c.Hash, err)
		}
		r, err := diff.ReadJSON(data)
		if err != nil {
			b.Fatalf("decode report of %s: %v", c.Hash, err)
		}
		r = r.Filter(func(ch diff.Change) bool { return ch.AdresseKey == key })
		if len(r.Changes) > 0 || (c.Parent == "" && inSnapshot(b, a, c.Hash, key)) {
			entries++
		}
	}
	return entries
}

func inSnapshot(b *testing.B, a *archive.Archive, hash, key string) bool {
	s, _, err := pipeline.ReadSnapshot(a, hash)
	if err != nil {
		b.Fatal(err)
	}
	_, ok := s.Address(key)
	return ok
}

// compareSnapshots decodes two snapshots and compares them, as `collecte
// diff` does, and returns the number of changes.
func compareSnapshots(b *testing.B, dir, from, to string) int {
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	before, _, err := pipeline.ReadSnapshot(a, from)
	if err != nil {
		b.Fatal(err)
	}
	after, _, err := pipeline.ReadSnapshot(a, to)
	if err != nil {
		b.Fatal(err)
	}
	return len(diff.Compare(before, after).Changes)
}

// runGit runs git in the repository dir and discards its output.
func runGit(b *testing.B, dir string, args ...string) {
	cmd := exec.Command("git", append([]string{"-C", dir, "--no-pager"}, args...)...)
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%w: %s", err, exit.Stderr)
		}
		b.Fatalf("git %v: %v", args, err)
	}
}
