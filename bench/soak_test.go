package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

// soakSample is the state of the process after one run.
type soakSample struct {
	rssKiB     int64
	heapKiB    int64
	goroutines int
}

// BenchmarkSoak calls pipeline.Run 500 times in one process against the
// replay, with the site changing before every 10th run, as a daemon does
// once per scheduled run. After each run it collects garbage and samples
// the resident set, the live heap and the goroutine count, and reports the
// means of the first and last 50 runs (5 of 20 in short mode).
func BenchmarkSoak(b *testing.B) {
	runs, window := size(500, 20), size(50, 5)
	for i := 0; i < b.N; i++ {
		samples := soak(b, runs)
		b.StopTimer()
		first, last := samples[:window], samples[len(samples)-window:]
		b.ReportMetric(meanOf(first, func(s soakSample) float64 { return float64(s.rssKiB) / 1024 }), "first-RSS-MB")
		b.ReportMetric(meanOf(last, func(s soakSample) float64 { return float64(s.rssKiB) / 1024 }), "last-RSS-MB")
		b.ReportMetric(meanOf(first, func(s soakSample) float64 { return float64(s.heapKiB) / 1024 }), "first-heap-MB")
		b.ReportMetric(meanOf(last, func(s soakSample) float64 { return float64(s.heapKiB) / 1024 }), "last-heap-MB")
		b.ReportMetric(meanOf(first, func(s soakSample) float64 { return float64(s.goroutines) }), "first-goroutines")
		b.ReportMetric(meanOf(last, func(s soakSample) float64 { return float64(s.goroutines) }), "last-goroutines")
		logTenths(b, "RSS", samples, func(s soakSample) float64 { return float64(s.rssKiB) / 1024 })
		logTenths(b, "heap", samples, func(s soakSample) float64 { return float64(s.heapKiB) / 1024 })
		b.StartTimer()
	}
}

// soak runs the pipeline runs times into a fresh archive and samples the
// process after each run.
func soak(b *testing.B, runs int) []soakSample {
	site := mustLegacy2021(b)
	srv, sw := serveLegacy(b, site)
	a, err := archive.Open(filepath.Join(b.TempDir(), "archive"))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	opt := pipeline.Options{
		Crawler: crawlConfig(crawler.SourceLegacy, srv.URL, 8),
		Archive: a,
		Author:  archive.Signature{Name: "bench", Email: "bench@localhost"},
	}

	var samples []soakSample
	for i := range runs {
		if i > 0 && i%10 == 0 {
			changeSite(site, rng, 20)
			sw.Set(site.Handler())
		}
		res, err := pipeline.Run(context.Background(), opt)
		if err != nil {
			b.Fatalf("run %d: %v", i, err)
		}
		if want := i%10 == 0; res.Changed != want {
			b.Fatalf("run %d changed %v, want %v", i, res.Changed, want)
		}
		samples = append(samples, sample(b))
	}
	return samples
}

// changeSite moves one collection day at n addresses of site.
func changeSite(site *replay.Legacy, rng *rand.Rand, n int) {
	for changed := 0; changed < n; {
		a := site.Adresses[rng.IntN(len(site.Adresses))]
		items := site.Collectes[a.ID]
		if len(items) > 0 && moveDay(&items[rng.IntN(len(items))], rng) {
			changed++
		}
	}
}

// sample collects garbage and reads the process state.
func sample(b *testing.B) soakSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return soakSample{rssKiB: vmRSS(b), heapKiB: int64(m.HeapAlloc / 1024), goroutines: runtime.NumGoroutine()}
}

// vmRSS returns VmRSS of /proc/self/status in KiB, or 0 where it is missing.
func vmRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) >= 2 && string(fields[0]) == "VmRSS:" {
			kib, _ := strconv.ParseInt(string(fields[1]), 10, 64)
			return kib
		}
	}
	return 0
}

// logTenths logs the mean of value over each tenth of the runs, in MB, so
// that a growth that continues is distinguished from a one-time rise.
func logTenths(b *testing.B, what string, samples []soakSample, value func(soakSample) float64) {
	tenth := max(1, len(samples)/10)
	var means []string
	for i := 0; i+tenth <= len(samples); i += tenth {
		means = append(means, fmt.Sprintf("%.1f", meanOf(samples[i:i+tenth], value)))
	}
	b.Logf("%s MB per tenth of the runs: %v", what, means)
}

func meanOf(samples []soakSample, value func(soakSample) float64) float64 {
	var sum float64
	for _, s := range samples {
		sum += value(s)
	}
	return sum / float64(len(samples))
}
