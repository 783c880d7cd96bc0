package bench

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/replay"
)

// short reports whether the benchmarks run with their reduced sizes, with
// -short or COLLECTE_BENCH_SHORT=1.
func short() bool {
	return testing.Short() || os.Getenv("COLLECTE_BENCH_SHORT") == "1"
}

// size returns full, or reduced in short mode.
func size(full, reduced int) int {
	if short() {
		return reduced
	}
	return full
}

// mustLegacy2021 loads the real 2021 capture as a generation-1 site.
func mustLegacy2021(tb testing.TB) *replay.Legacy {
	tb.Helper()

	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		tb.Fatalf("load 2021 capture: %v", err)
	}
	return l
}

// serveLegacy serves l on a loopback httptest server behind a Switch, so a
// caller may change the data while it runs.
func serveLegacy(tb testing.TB, l *replay.Legacy) (*httptest.Server, *replay.Switch) {
	tb.Helper()

	sw := replay.NewSwitch(l.Handler())
	srv := httptest.NewServer(sw)
	tb.Cleanup(srv.Close)
	return srv, sw
}

// crawlConfig is the configuration of a crawl of the replay at url with no
// delay, as `collecte crawl --delay 0` sets it.
func crawlConfig(source, url string, parallel int) crawler.Config {
	return crawler.Config{
		Source:   source,
		BaseURL:  url,
		Parallel: parallel,
		Delay:    0,
		DelaySet: true,
		Timeout:  30 * time.Second,
	}
}

// mustCrawl crawls the site at url once and fails on any failed request.
func mustCrawl(tb testing.TB, source, url string) *crawler.Result {
	tb.Helper()

	res, err := crawler.Crawl(context.Background(), crawlConfig(source, url, 8))
	if err != nil {
		tb.Fatalf("crawl %s: %v", url, err)
	}
	return res
}
