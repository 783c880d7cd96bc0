package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/replay"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--archive DIR] [--format F]",
		"Replay the embedded real capture of May 2021 on loopback, crawl it into an\n"+
			"archive, then replay the real capture of September 2024, crawl it, and print\n"+
			"what changed in the CACEM's published schedules between the two.")
	dir := fs.String("archive", "", "new archive directory, missing or empty (default: a new temporary directory, kept)")
	format := fs.String("format", "markdown", "output format of the diff: markdown, json or text")
	parallel := fs.Int("parallel", 4, fmt.Sprintf("maximum requests in flight on the loopback replay, from 1 to %d", maxParallel))
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := errors.Join(checkReportFormat(*format), checkParallel(*parallel)); err != nil {
		return err
	}
	if err := demoArchiveDir(dir); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "demo archive: %s\n", *dir)

	legacy, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		return fmt.Errorf("load embedded 2021 capture: %w", err)
	}
	v1, err := replay.V1FromJSON(captures.V1Passages2024())
	if err != nil {
		return fmt.Errorf("load embedded 2024 capture: %w", err)
	}

	steps := []struct {
		source string
		site   http.Handler
	}{
		{crawler.SourceLegacy, legacy.Handler()},
		{crawler.SourceV1, v1.Handler()},
	}
	for _, step := range steps {
		if err := demoCrawl(ctx, e, *dir, step.source, step.site, *parallel); err != nil {
			return err
		}
	}

	a, err := archive.Open(*dir)
	if err != nil {
		return err
	}
	from, to, err := diffRange(a, nil)
	if err != nil {
		return err
	}
	r, err := Compare(a, from, to)
	if err != nil {
		return err
	}
	return writeReport(e, r, *format)
}

// demoArchiveDir sets *dir to a new temporary directory when --archive is
// not given, or checks that the given directory is missing or empty. The
// demo crawls each capture until the pipeline commits it, confirming the
// drops that a real deployment would hold back, so it must never run on an
// archive that contains data.
func demoArchiveDir(dir *string) error {
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "collecte-demo-")
		if err != nil {
			return fmt.Errorf("create demo archive: %w", err)
		}
		*dir = tmp
		return nil
	}

	entries, err := os.ReadDir(*dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("demo: read --archive %s: %w", *dir, err)
	case len(entries) > 0:
		return fmt.Errorf("demo: --archive %s is not empty: pass a missing or empty "+
			"directory, or leave out --archive for a new temporary one", *dir)
	}
	return nil
}

// demoCrawl serves one capture on a free loopback port and crawls it.
func demoCrawl(ctx context.Context, e *env, dir, source string, site http.Handler, parallel int) error {
	ln, err := replay.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	cf := crawlFlags{
		source:     source,
		url:        "http://" + ln.Addr().String(),
		parallel:   parallel,
		delay:      0,
		timeout:    crawler.DefaultTimeout,
		attempts:   crawler.DefaultAttempts,
		authorName: "collecte",
		author:     "collecte@localhost",
	}
	progress := &env{stdout: e.stderr, stderr: e.stderr, log: e.log}
	fmt.Fprintf(e.stderr, "crawling the %s replay at %s\n", source, cf.url)
	res, err := crawlInto(ctx, e, &cf, dir)
	if err != nil {
		return err
	}
	printRun(progress, res)
	if res.Awaiting == "" {
		return nil
	}

	// Most 2021 addresses are named differently by the 2024 API, which looks
	// like a sudden drop: a second crawl confirms it, as it would in a real
	// deployment.
	fmt.Fprintf(e.stderr, "crawling the %s replay again to confirm\n", source)
	res, err = crawlInto(ctx, e, &cf, dir)
	if err != nil {
		return err
	}
	printRun(progress, res)
	return nil
}
