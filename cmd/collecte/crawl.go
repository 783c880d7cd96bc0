package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
)

// crawlFlags are the flags shared by crawl and demo.
type crawlFlags struct {
	source, url, userAgent string
	parallel, attempts     int
	delay, timeout         time.Duration
	authorName, author     string
}

func (f *crawlFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.source, "source", crawler.SourceLegacy, "source format: cacem-legacy or cacem-v1")
	fs.StringVar(&f.url, "url", "", "base URL of the site (default: the real CACEM URL of the source)")
	fs.IntVar(&f.parallel, "parallel", crawler.DefaultParallel, "maximum requests in flight on the site")
	fs.DurationVar(&f.delay, "delay", crawler.DefaultDelay, "pause after each request on the site, such as 500ms")
	fs.DurationVar(&f.timeout, "timeout", crawler.DefaultTimeout, "time limit of one request, body included")
	fs.IntVar(&f.attempts, "attempts", crawler.DefaultAttempts, "tries per request, the first included")
	fs.StringVar(&f.userAgent, "user-agent", "", "User-Agent header (default: collecte, its version and project URL)")
	fs.StringVar(&f.authorName, "author-name", "collecte", "author and committer name of the commits")
	fs.StringVar(&f.author, "author-email", "collecte@localhost", "author and committer e-mail of the commits")
}

func (f *crawlFlags) config(e *env) crawler.Config {
	return crawler.Config{
		Source:    f.source,
		BaseURL:   f.url,
		Parallel:  f.parallel,
		Delay:     f.delay,
		DelaySet:  true,
		Timeout:   f.timeout,
		Attempts:  f.attempts,
		UserAgent: f.userAgent,
		Logger:    e.log,
		Progress:  os.Stderr,
	}
}

func runCrawl(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "crawl", "--archive DIR [--source S] [--url URL] [flags]",
		"Crawl the site once, build the snapshot and commit it to the archive when its\n"+
			"data or raw captures differ from HEAD. A crawl in which any request still\n"+
			"fails after its retries commits nothing and exits with status 2.")
	var cf crawlFlags
	cf.register(fs)
	dir := fs.String("archive", "", "archive directory, a bare git repository created on first use (required)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *dir == "" {
		return &usageError{"crawl: --archive DIR is required"}
	}

	res, err := crawlInto(ctx, e, &cf, *dir)
	if err != nil {
		return err
	}
	printRun(e, res)
	return nil
}

// crawlInto opens the archive and runs the pipeline once.
func crawlInto(ctx context.Context, e *env, cf *crawlFlags, dir string) (*pipeline.Result, error) {
	a, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	return pipeline.Run(ctx, pipeline.Options{
		Crawler:  cf.config(e),
		Archive:  a,
		Author:   archive.Signature{Name: cf.authorName, Email: cf.author},
		Location: martinique(),
		Logger:   e.log.With("component", "pipeline"),
	})
}

func printRun(e *env, res *pipeline.Result) {
	switch {
	case !res.Changed:
		fmt.Fprintf(e.stdout, "unchanged: HEAD %s already holds this snapshot\n", short(res.Commit.Hash))
	default:
		fmt.Fprintf(e.stdout, "committed %s: %s\n", short(res.Commit.Hash), res.Commit.Subject)
	}
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
