// Package crawler fetches one full crawl of a CACEM source over HTTP and
// returns what the site published: the decoded records, the raw bodies and
// how every request ended. It owns politeness (robots.txt, a per-host limit
// on parallel requests and a delay between them), retries, response
// validation and the decoding of the two source formats. It does not store
// snapshots.
package crawler

import (
	"context"
	"fmt"
	"time"
)

// Crawl fetches every request of cfg.Source from cfg.BaseURL with a fresh
// colly collector, so nothing, visited URLs included, carries over from an
// earlier call.
//
// The Result comes back whenever the crawl started. When any request still
// failed after its retries the error is a *FailedError (matched by
// ErrCrawlFailed) and the Result is incomplete. When robots.txt returns 429
// or a 5xx status, or cannot be fetched, after the configured attempts, no
// other request is made and the error is a *RobotsError, matched by both
// ErrRobotsUnavailable and ErrCrawlFailed. A robots.txt request that gets
// another 4xx status disallows nothing. When ctx is canceled the
// crawl stops, the requests in flight are aborted, and the error wraps
// ctx.Err(). Crawl then returns within about one Delay, because colly's
// pause after a request does not watch ctx.
func Crawl(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}

	f, err := newFetcher(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("set up crawler for %s: %w", cfg.BaseURL, err)
	}

	res := &Result{Source: cfg.Source, BaseURL: cfg.BaseURL, Started: time.Now()}
	f.log.Info("crawl started", "base_url", cfg.BaseURL, "parallel", cfg.Parallel, "delay_ms", cfg.Delay.Milliseconds())

	f.robots, err = f.fetchRobots(ctx)
	if err != nil {
		f.close()
		f.finish(res)
		f.log.Error("robots.txt unavailable; run skipped", "url", cfg.BaseURL+"/robots.txt", "error", err)
		return res, err
	}
	f.applyCrawlDelay()

	switch cfg.Source {
	case SourceLegacy:
		err = crawlLegacy(ctx, f, res)
	case SourceV1:
		err = crawlV1(ctx, f, res)
	}
	f.close()

	f.finish(res)
	if err != nil {
		return res, fmt.Errorf("crawl %s stopped: %w", cfg.BaseURL, err)
	}
	return res, failures(res.Outcomes)
}

// finish copies the counters and raw bodies into res and logs the summary.
func (f *fetcher) finish(res *Result) {
	res.Finished = time.Now()
	res.Raw = f.raw
	res.Requests = int(f.requests.Load())
	res.Retries = int(f.retries.Load())
	res.Bytes = f.bytes.Load()

	failed := 0
	for _, o := range res.Outcomes {
		if o.Failed() {
			failed++
		}
	}

	f.log.Info("crawl finished",
		"requests", res.Requests,
		"retries", res.Retries,
		"bytes", res.Bytes,
		"failures", failed,
		"records", len(res.Records),
		"warnings", len(res.Warnings),
		"duration_ms", res.Finished.Sub(res.Started).Milliseconds())
}
