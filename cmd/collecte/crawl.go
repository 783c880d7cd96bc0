package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/pipeline"
)

func runCrawl(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "crawl", "--archive DIR [--source S] [--url URL] [flags]",
		"Crawl the site once, build the snapshot and commit it to the archive when its\n"+
			"data or raw captures differ from HEAD. An address whose request still fails\n"+
			"after its retries keeps its previous rules, marked stale in crawl.json. The\n"+
			"run commits nothing and exits with status 2 when a list request fails, when\n"+
			"more than --max-failed percent of the addresses fail, or when any request of\n"+
			"the archive's first crawl fails.")
	var cf crawlFlags
	cf.register(fs)
	dir := fs.String("archive", "", "archive directory, a bare git repository created on first use (required)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *dir == "" {
		return &usageError{"crawl: --archive DIR is required"}
	}
	if err := cf.check(); err != nil {
		return err
	}

	res, err := crawlInto(ctx, e, &cf, *dir)
	if err != nil {
		return err
	}
	printRun(e, res)
	if res.Awaiting != "" {
		return errAwaiting
	}
	return nil
}

// errAwaiting maps a held-back drop to its exit status; printRun has
// already printed the reason.
var errAwaiting = errors.New("awaiting confirmation")

// crawlInto opens the archive and runs the pipeline once.
func crawlInto(ctx context.Context, e *env, cf *crawlFlags, dir string) (*pipeline.Result, error) {
	a, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	maxFailed := cf.maxFailedPercent / 100
	if maxFailed == 0 {
		maxFailed = -1 // no failure allowed
	}
	return pipeline.Run(ctx, pipeline.Options{
		MaxFailed: maxFailed,
		Crawler:   cf.config(e),
		Archive:   a,
		Author:    archive.Signature{Name: cf.authorName, Email: cf.author},
		Location:  martinique(),
		Logger:    e.log.With("component", "pipeline"),
	})
}

func printRun(e *env, res *pipeline.Result) {
	switch {
	case res.Awaiting != "":
		fmt.Fprintf(e.stdout, "awaiting confirmation: %s; nothing committed, the next crawl decides\n", res.Awaiting)
		if res.Replaced != nil {
			fmt.Fprintf(e.stdout, "this drop replaces the one pending since %s (%s): the two crawls lost different addresses or streams\n",
				res.Replaced.Detected.In(martinique()).Format(time.RFC3339), res.Replaced.Reason)
		}
		return
	case !res.Changed:
		fmt.Fprintf(e.stdout, "unchanged: HEAD %s already holds this snapshot\n", short(res.Commit.Hash))
	default:
		fmt.Fprintf(e.stdout, "committed %s: %s\n", short(res.Commit.Hash), res.Commit.Subject)
	}
	if len(res.Stale) > 0 || len(res.LeftOut) > 0 {
		fmt.Fprintf(e.stdout, "%d addresses kept their previous rules and %d new ones were left out, "+
			"because their request failed (see crawl.json)\n", len(res.Stale), len(res.LeftOut))
	}
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
