package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
)

// growth is a simulated archive: its directory and the time of each commit,
// Commit and Maintain together, in wall-clock time and in CPU time of the
// process. The CPU time does not count the waits for the disk, but it
// does not count the time other processes take from the cores either, so
// it shows whether the work itself grows on a machine shared with others.
type growth struct {
	Dir     string          `json:"dir"`
	Commits []time.Duration `json:"commit_ns"`
	CPU     []time.Duration `json:"cpu_ns"`
}

// BenchmarkArchiveGrowth commits a year of daily (365) and hourly (8,760)
// snapshots of the real 2021 site, raw bodies included. Before each commit
// it moves about 1% of the rules to another day, and after it calls
// Maintain as the pipeline does. It reports the mean and median time of the
// first and last 10% of the change commits (all but the first) and their
// ratios. It also reports the size of objects/ beside the size that
// `git gc --aggressive` reaches on a copy.
//
// The hourly archive is built once into the cache directory (see cacheDir)
// and reused while its timings file exists; delete it to measure again.
func BenchmarkArchiveGrowth(b *testing.B) {
	cases := []struct {
		name    string
		commits int
		step    time.Duration
		cached  bool
	}{
		{"daily", size(365, 20), 24 * time.Hour, false},
		{"hourly", size(8760, 30), time.Hour, !short()},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s-%d", c.name, c.commits), func(b *testing.B) {
			var g *growth
			for i := 0; i < b.N; i++ {
				if c.cached {
					g = cachedGrowth(b, fmt.Sprintf("%s-%d", c.name, c.commits), c.commits, c.step)
					continue
				}
				g = buildGrowth(b, filepath.Join(b.TempDir(), "archive"), c.commits, c.step)
			}
			b.StopTimer()
			reportGrowth(b, g)
		})
	}
}

// buildGrowth commits a simulated history of n snapshots into dir.
func buildGrowth(tb testing.TB, dir string, n int, step time.Duration) *growth {
	tb.Helper()

	a, err := archive.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	s := newSimulator(tb, 7)
	perCommit := max(1, len(s.snap.Rules)/100)

	g := &growth{Dir: dir}
	for i := range n {
		when := t0().Add(time.Duration(i) * step)
		files, err := s.files(nil, when)
		if i > 0 {
			files, err = s.next(perCommit, when)
		}
		if err != nil {
			tb.Fatal(err)
		}
		wall, cpu := commitTimed(tb, a, files, when, i)
		g.Commits = append(g.Commits, wall)
		g.CPU = append(g.CPU, cpu)

		head, err := a.Head()
		if err != nil {
			tb.Fatal(err)
		}
		s.parent = head.Hash
	}
	return g
}

// commitTimed commits files and maintains the archive, as a pipeline run
// does after a change, and returns how long both took, in wall-clock time
// and in CPU time of the process.
func commitTimed(tb testing.TB, a *archive.Archive, files archive.Files, when time.Time, i int) (time.Duration, time.Duration) {
	cpu := cpuTime(tb)
	start := time.Now()
	_, changed, err := a.Commit(files, archive.CommitOptions{
		Message: fmt.Sprintf("Snapshot %d", i),
		Author:  archive.Signature{Name: "bench", Email: "bench@localhost"},
		When:    when,
		Watch:   []string{"data/", "raw/"},
	})
	if err != nil {
		tb.Fatalf("commit %d: %v", i, err)
	}
	if !changed {
		tb.Fatalf("commit %d: nothing changed", i)
	}
	if _, err := a.Maintain(); err != nil {
		tb.Fatalf("maintain after commit %d: %v", i, err)
	}
	return time.Since(start), cpuTime(tb) - cpu
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cacheDir is where the long simulated archives are kept between runs:
// $COLLECTE_BENCH_CACHE, or /tmp/collecte-bench-cache.
func cacheDir() string {
	if dir := os.Getenv("COLLECTE_BENCH_CACHE"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "collecte-bench-cache")
}

// cachedGrowth returns the archive of the cache named name, building it first
// when its timings file is missing.
func cachedGrowth(tb testing.TB, name string, n int, step time.Duration) *growth {
	tb.Helper()

	root := filepath.Join(cacheDir(), name)
	timings := filepath.Join(root, "timings.json")
	if data, err := os.ReadFile(timings); err == nil {
		var g growth
		if err := json.Unmarshal(data, &g); err != nil {
			tb.Fatalf("read %s: %v (delete %s to rebuild it)", timings, err, root)
		}
		return &g
	}

	if err := os.RemoveAll(root); err != nil {
		tb.Fatal(err)
	}
	g := buildGrowth(tb, filepath.Join(root, "archive"), n, step)
	data, err := json.Marshal(g)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(timings, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return g
}

// reportGrowth reports the commit times and sizes of g, and the time to
// read its last snapshot.
func reportGrowth(b *testing.B, g *growth) {
	// The first commit writes every object of the tree, so it is left out:
	// the flatness compares the change commits only.
	changes := g.Commits[1:]
	tenth := max(1, len(changes)/10)
	first, last := changes[:tenth], changes[len(changes)-tenth:]
	b.ReportMetric(ms(g.Commits[0]), "first-commit-ms")
	b.ReportMetric(ms(mean(first)), "first10-mean-ms")
	b.ReportMetric(ms(mean(last)), "last10-mean-ms")
	b.ReportMetric(ms(mean(last))/ms(mean(first)), "mean-ratio")
	b.ReportMetric(ms(median(first)), "first10-median-ms")
	b.ReportMetric(ms(median(last)), "last10-median-ms")
	b.ReportMetric(ms(median(last))/ms(median(first)), "median-ratio")
	logDeciles(b, "wall", changes)
	if len(g.CPU) == len(g.Commits) {
		cpu := g.CPU[1:]
		b.ReportMetric(ms(mean(cpu[len(cpu)-tenth:]))/ms(mean(cpu[:tenth])), "cpu-mean-ratio")
		logDeciles(b, "cpu", cpu)
	}
	reportHeadRead(b, g.Dir)

	ours := dirSize(b, filepath.Join(g.Dir, "objects"))
	gc, gcTime := gcAggressiveSize(b, g.Dir)
	b.ReportMetric(float64(ours)/(1<<20), "objects-MB")
	b.ReportMetric(float64(gc)/(1<<20), "gc-aggressive-MB")
	b.ReportMetric(float64(ours)/float64(gc), "size-ratio")
	b.ReportMetric(gcTime.Seconds(), "gc-aggressive-s")
}

// logDeciles logs the mean and median of each tenth of ds, in order, so
// that a trend is distinguished from noise.
func logDeciles(b *testing.B, what string, ds []time.Duration) {
	tenth := max(1, len(ds)/10)
	var means, medians []string
	for i := 0; i+tenth <= len(ds); i += tenth {
		means = append(means, fmt.Sprintf("%.0f", ms(mean(ds[i:i+tenth]))))
		medians = append(medians, fmt.Sprintf("%.0f", ms(median(ds[i:i+tenth]))))
	}
	b.Logf("%s ms per tenth of the commits, mean: %v", what, means)
	b.Logf("%s ms per tenth of the commits, median: %v", what, medians)
}

// reportHeadRead opens the archive at dir as a command does and reports how
// long reading HEAD's data/ files and its whole tree take.
func reportHeadRead(b *testing.B, dir string) {
	start := time.Now()
	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	head, err := a.Head()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Read(head.Hash, "data/"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ms(time.Since(start)), "head-data-read-ms")

	start = time.Now()
	if _, err := a.Read(head.Hash, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ms(time.Since(start)), "head-tree-read-ms")
}

// gcAggressiveSize copies the repository at dir, runs `git gc --aggressive`
// on the copy and returns the size of its objects/ and how long gc took.
func gcAggressiveSize(b *testing.B, dir string) (int64, time.Duration) {
	b.Helper()

	cp := filepath.Join(b.TempDir(), "copy.git")
	if out, err := exec.Command("cp", "-a", dir, cp).CombinedOutput(); err != nil {
		b.Fatalf("copy %s: %v\n%s", dir, err, out)
	}
	start := time.Now()
	gc := exec.Command("git", "-C", cp, "gc", "--aggressive", "--prune=now", "--quiet")
	if out, err := gc.CombinedOutput(); err != nil {
		b.Fatalf("git gc --aggressive: %v\n%s", err, out)
	}
	return dirSize(b, filepath.Join(cp, "objects")), time.Since(start)
}

// dirSize returns the total size of the regular files under dir.
func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()

	var total int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			total += info.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatalf("size of %s: %v", dir, err)
	}
	return total
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
