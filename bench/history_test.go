package bench

import (
	"encoding/json"
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
	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/pipeline"
)

// BenchmarkHistory runs the history queries on the hourly archive of
// BenchmarkArchiveGrowth (8,760 commits), beside the git commands that
// answer the same question:
//
//   - index/build: the history index built from scratch, with its size
//     beside the size of objects/;
//   - index/open: a query that does nothing on a current index, which is
//     the fixed cost of opening the index file and checking its head;
//   - index/update: the update after one new commit, as the pipeline runs
//     it, on a fresh simulated archive;
//   - address/collecte: the built `collecte log --adresse KEY`, beside
//     address/git, `git log -p -- raw/get/collectes/ID.json`, and
//     address/walk, the same history read from the report of every commit
//     as collecte did before the index;
//   - log/collecte: the built `collecte log`, every commit with its counts;
//   - feed/adresse: the feed entries of one address (feed.Entries);
//   - diff/collecte: the semantic diff of the first and last snapshots as
//     `collecte diff` computes it, beside diff/git, `git diff FIRST LAST`.
//
// Each in-process iteration opens the archive, as a command does.
// COLLECTE_BENCH_HISTORY_ARCHIVE names another archive to query instead;
// the benchmark writes the index file into it.
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
	bin := buildCollecte(b)

	b.Run("index/build", func(b *testing.B) { benchIndexBuild(b, dir) })
	updateIndex(b, dir)
	b.Run("index/open", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			viewIndex(b, dir, func(*history.Reader) error { return nil })
		}
	})
	b.Run("index/update", benchIndexUpdate)

	b.Run("address/collecte", func(b *testing.B) {
		var entries int
		for i := 0; i < b.N; i++ {
			entries = runCollecteLog(b, bin, dir, "--adresse", key)
		}
		b.ReportMetric(float64(entries), "snapshots")
	})
	b.Run("address/git", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			runGit(b, dir, "log", "-p", "--", "raw/get/collectes/"+id+".json")
		}
	})
	b.Run("address/walk", func(b *testing.B) {
		var entries int
		for i := 0; i < b.N; i++ {
			entries = addressHistory(b, dir, key)
		}
		b.ReportMetric(float64(entries), "snapshots")
	})
	b.Run("log/collecte", func(b *testing.B) {
		var entries int
		for i := 0; i < b.N; i++ {
			entries = runCollecteLog(b, bin, dir)
		}
		b.ReportMetric(float64(entries), "snapshots")
	})
	b.Run("feed/adresse", func(b *testing.B) {
		var entries int
		for i := 0; i < b.N; i++ {
			entries = addressFeed(b, dir, key)
		}
		b.ReportMetric(float64(entries), "entries")
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

// benchIndexBuild removes the index of dir and builds it again, and reports
// the size of the index file beside the size of objects/.
func benchIndexBuild(b *testing.B, dir string) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := os.Remove(filepath.Join(dir, history.FileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Fatal(err)
		}
		b.StartTimer()
		updateIndex(b, dir)
	}
	b.StopTimer()

	info, err := os.Stat(filepath.Join(dir, history.FileName))
	if err != nil {
		b.Fatal(err)
	}
	objects := dirSize(b, filepath.Join(dir, "objects"))
	b.ReportMetric(float64(info.Size())/(1<<20), "index-MB")
	b.ReportMetric(float64(objects)/(1<<20), "objects-MB")
	b.ReportMetric(float64(info.Size())/float64(objects), "index/objects")
}

// updateIndex brings the index of the archive in dir up to date.
func updateIndex(b *testing.B, dir string) history.Stats {
	b.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	stats, err := history.New(a, nil).Update()
	if err != nil {
		b.Fatalf("update history index of %s: %v", dir, err)
	}
	return stats
}

func viewIndex(b *testing.B, dir string, fn func(*history.Reader) error) {
	b.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := history.New(a, nil).View(fn); err != nil {
		b.Fatalf("query history index of %s: %v", dir, err)
	}
}

// benchIndexUpdate commits simulated snapshots into a new archive and
// times the index update after each commit, as the pipeline runs it. It
// reports the median update time as ns/op. The archive has few commits,
// but the update reads only the new commit whatever their number.
func benchIndexUpdate(b *testing.B) {
	var times []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := archive.Open(filepath.Join(b.TempDir(), "archive"))
		if err != nil {
			b.Fatal(err)
		}
		s := newSimulator(b, 11)
		perCommit := max(1, len(s.snap.Rules)/100)
		for n := range size(20, 5) {
			when := t0().Add(time.Duration(n) * time.Hour)
			files, err := s.files(nil, when)
			if n > 0 {
				files, err = s.next(perCommit, when)
			}
			if err != nil {
				b.Fatal(err)
			}
			commitTimed(b, a, files, when, n)

			start := time.Now()
			if _, err := history.New(a, nil).Update(); err != nil {
				b.Fatal(err)
			}
			if n > 0 {
				times = append(times, time.Since(start))
			}
		}
	}
	b.ReportMetric(float64(median(times)), "ns/op")
}

// runCollecteLog runs the built `collecte log` on dir with args and returns
// the number of snapshots it lists.
func runCollecteLog(b *testing.B, bin, dir string, args ...string) int {
	b.Helper()
	cmd := exec.Command(bin, append([]string{"log", "--archive", dir, "--format", "json"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("collecte log %v: %v", args, commandError(err))
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(out, &entries); err != nil {
		b.Fatalf("collecte log %v: %v", args, err)
	}
	return len(entries)
}

// addressFeed returns the number of feed entries of the address key.
func addressFeed(b *testing.B, dir, key string) int {
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	entries, err := feed.Entries(a, diff.Selection{Adresses: []string{key}}, 0)
	if err != nil {
		b.Fatal(err)
	}
	return len(entries)
}

// addressHistory lists the commits whose report changes key, and the first
// commit when the address is in it, as `collecte log --adresse` did before
// the history index: it reads reports/changes.json of every commit. It
// returns the number of commits listed.
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
		b.Fatalf("git %v: %v", args, commandError(err))
	}
}

// commandError adds the standard error of a failed command to err.
func commandError(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%w: %s", err, exit.Stderr)
	}
	return err
}
