package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
)

// BenchmarkCrawl compares, at parallelism 1 and 8, a full run of the
// pipeline (crawl, normalise, commit into a fresh archive) with the plain
// net/http client fetching and decoding the same URLs, with the crawl
// alone, and with a run that finds the data unchanged since HEAD. All cases run in one process against one replay server; with
// -count, go test repeats each case count times before the next case.
//
// Besides the wall time, each case reports cpu-ms/op: the user and system
// CPU time of the whole process per run, the replay server's included. It
// varies less than the wall time when other jobs load the machine.
func BenchmarkCrawl(b *testing.B) {
	l := mustLegacy2021(b)
	srv, _ := serveLegacy(b, l)

	for _, parallel := range []int{1, 8} {
		b.Run(fmt.Sprintf("p%d/plain", parallel), func(b *testing.B) {
			start := processCPU(b)
			for i := 0; i < b.N; i++ {
				n, err := plainCrawl(context.Background(), srv.URL, parallel)
				if err != nil {
					b.Fatal(err)
				}
				if n != len(l.Adresses) {
					b.Fatalf("plain client decoded %d addresses, want %d", n, len(l.Adresses))
				}
			}
			reportCPU(b, processCPU(b)-start)
		})
		b.Run(fmt.Sprintf("p%d/crawler", parallel), func(b *testing.B) {
			start := processCPU(b)
			for i := 0; i < b.N; i++ {
				res, err := crawler.Crawl(context.Background(), crawlConfig(crawler.SourceLegacy, srv.URL, parallel))
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Raw) != len(l.Adresses)+3 {
					b.Fatalf("crawl kept %d raw bodies, want %d", len(res.Raw), len(l.Adresses)+3)
				}
			}
			reportCPU(b, processCPU(b)-start)
		})
		b.Run(fmt.Sprintf("p%d/pipeline", parallel), func(b *testing.B) {
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				cpu += runIntoFreshArchive(b, srv.URL, parallel, len(l.Adresses))
			}
			reportCPU(b, cpu)
		})
		b.Run(fmt.Sprintf("p%d/pipeline-unchanged", parallel), func(b *testing.B) {
			a := archiveOfOneRun(b, srv.URL)
			start := processCPU(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runUnchanged(b, a, srv.URL, parallel)
			}
			b.StopTimer()
			reportCPU(b, processCPU(b)-start)
		})
	}
}

// archiveOfOneRun returns an archive that holds the snapshot of one run of
// the pipeline against url.
func archiveOfOneRun(b *testing.B, url string) *archive.Archive {
	b.Helper()

	a, err := archive.Open(filepath.Join(b.TempDir(), "archive"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := runPipeline(a, url, 8); err != nil {
		b.Fatal(err)
	}
	return a
}

// runUnchanged runs the pipeline into a, which already holds what the
// server serves: the daily case, a crawl compared with HEAD and no commit.
func runUnchanged(b *testing.B, a *archive.Archive, url string, parallel int) {
	b.Helper()

	res, err := runPipeline(a, url, parallel)
	if err != nil {
		b.Fatal(err)
	}
	if res.Changed {
		b.Fatal("a run against unchanged data committed")
	}
}

// runPipeline runs the pipeline once against the legacy replay at url into a.
func runPipeline(a *archive.Archive, url string, parallel int) (*pipeline.Result, error) {
	return pipeline.Run(context.Background(), pipeline.Options{
		Crawler: crawlConfig(crawler.SourceLegacy, url, parallel),
		Archive: a,
		Author:  archive.Signature{Name: "bench", Email: "bench@localhost"},
	})
}

// processCPU returns the user and system CPU time that the process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()

	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// reportCPU reports cpu, the CPU time of b.N runs, as cpu-ms/op.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// runIntoFreshArchive runs the pipeline once into a new archive, the archive's
// creation and removal left out of the timing, and returns the CPU time of
// the run.
func runIntoFreshArchive(b *testing.B, url string, parallel, addresses int) time.Duration {
	b.StopTimer()
	dir, err := os.MkdirTemp("", "collecte-bench-crawl-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	start := processCPU(b)
	b.StartTimer()

	a, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	res, err := runPipeline(a, url, parallel)
	if err != nil {
		b.Fatal(err)
	}
	if !res.Changed || len(res.Snapshot.Addresses) != addresses {
		b.Fatalf("run changed %v with %d addresses, want a commit of %d", res.Changed, len(res.Snapshot.Addresses), addresses)
	}
	b.StopTimer()
	return processCPU(b) - start
}

// BenchmarkCrawlBinary runs the built `collecte crawl --parallel 8 --delay 0`
// against the replay into a fresh archive and reports the peak resident set
// of the process (ru_maxrss) as peak-RSS-MB.
func BenchmarkCrawlBinary(b *testing.B) {
	bin := buildCollecte(b)
	srv, _ := serveLegacy(b, mustLegacy2021(b))

	var peak int64
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "archive")
		cmd := exec.Command(bin, "crawl", "--archive", dir, "--source", "cacem-legacy", "--url", srv.URL,
			"--parallel", "8", "--delay", "0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("collecte crawl: %v\n%s", err, out)
		}
		rusage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Skip("no rusage on this system")
		}
		peak = max(peak, rusage.Maxrss) // KiB on Linux
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}

// buildCollecte builds cmd/collecte into a temporary directory.
func buildCollecte(b *testing.B) string {
	b.Helper()

	bin := filepath.Join(b.TempDir(), "collecte")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/collecte-cacem/collecte/cmd/collecte")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build collecte: %v\n%s", err, out)
	}
	return bin
}
