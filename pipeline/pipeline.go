// Package pipeline runs one crawl end to end: fetch the site, build the
// snapshot, compare it with the archive's HEAD, commit it when it changed,
// and write the change report beside it. The crawl command and the daemon
// both call Run, so they cannot behave differently.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Paths of the change report that each commit carries, relative to the
// archive root. The report compares the commit with its parent.
const (
	ReportJSONPath     = diff.ReportJSONPath
	ReportMarkdownPath = diff.ReportMarkdownPath
)

// watched are the path prefixes whose change makes a new commit. The
// manifest and the reports change at every crawl, so they never decide.
var watched = []string{"data/", "raw/"}

// Options sets up one run.
type Options struct {
	Crawler  crawler.Config
	Archive  *archive.Archive
	Author   archive.Signature
	Location *time.Location // zone of the commit times; nil means America/Martinique
	Logger   *slog.Logger   // nil discards the logs

	// MaxFailed is the share of address requests, from 0 to 1, that may
	// fail in a run that still commits. Zero means DefaultMaxFailed; a
	// negative value allows no failure at all.
	MaxFailed float64
}

func (o Options) maxFailed() float64 {
	switch {
	case o.MaxFailed < 0:
		return 0
	case o.MaxFailed == 0:
		return DefaultMaxFailed
	}
	return o.MaxFailed
}

// Result is the outcome of one run.
type Result struct {
	Crawl    *crawler.Result
	Snapshot *snapshot.Snapshot
	Report   diff.Report
	// Commit is the new commit, or HEAD when nothing changed; nil when the
	// run failed before committing.
	Commit *archive.Commit
	// Changed is true when the run made a commit.
	Changed bool
	// First is true when the commit is the archive's first snapshot.
	First bool
	// Stale lists the addresses whose request failed and whose previous
	// rules were kept; LeftOut the new addresses that could not be fetched.
	Stale   []snapshot.StaleAddress
	LeftOut []snapshot.LeftOutAddress
	// Awaiting is set, to Drop.Reason, when the crawl lost much of HEAD at
	// once: nothing was committed, and the next crawl commits the drop only
	// if it loses exactly the same addresses and streams.
	Awaiting string
	// Drop is the sudden drop that this crawl held back (Awaiting is set)
	// or confirmed (it is committed); nil when the crawl had none.
	Drop *Drop
	// Replaced is the drop of the same HEAD that was pending before this
	// crawl and that Drop replaced, because the two crawls lost different
	// addresses or streams; nil when no drop was pending.
	Replaced *Drop
}

// Run crawls, builds, compares and commits, holding the archive lock. A
// failed crawl returns an error matching crawler.ErrCrawlFailed and leaves
// the archive untouched. A crawl whose only failures are a few address
// requests still commits, those addresses keeping their previous rules.
func Run(ctx context.Context, opt Options) (*Result, error) {
	unlock, err := opt.Archive.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()

	return RunLocked(ctx, opt)
}

// RunLocked is Run for a caller that already holds the archive lock, such
// as the daemon, which holds it for its whole life so that a manual crawl
// gets a LockedError instead of committing between two scheduled runs.
func RunLocked(ctx context.Context, opt Options) (*Result, error) {
	log := logger(opt)
	loc, err := location(opt.Location)
	if err != nil {
		return nil, err
	}

	builder := snapshot.NewBuilder()
	crawled, crawlErr := crawler.Crawl(ctx, buildWhileCrawling(opt.Crawler, builder))
	if crawled == nil {
		return nil, fmt.Errorf("crawl %s: %w", opt.Crawler.Source, crawlErr)
	}
	prev, err := ReadHead(opt.Archive)
	if err != nil {
		return &Result{Crawl: crawled}, err
	}
	part, err := planPartial(opt.Archive, crawled, crawlErr, prev, opt.maxFailed())
	if err != nil {
		return &Result{Crawl: crawled}, fmt.Errorf("crawl %s: %w", opt.Crawler.Source, err)
	}

	res, err := commitCrawl(opt, crawled, builder, prev, part, loc)
	if err != nil {
		return res, err
	}
	logResult(log, res)
	return res, nil
}

// buildWhileCrawling returns cfg with an OnRecords that adds the records to
// b as they are decoded, after any OnRecords that cfg already has. With few
// requests in flight, the grouping of one address's records then overlaps
// the transfer of the next, and less work remains after the crawl.
func buildWhileCrawling(cfg crawler.Config, b *snapshot.Builder) crawler.Config {
	var mu sync.Mutex
	next := cfg.OnRecords
	cfg.OnRecords = func(records []snapshot.Record) {
		if next != nil {
			next(records)
		}
		mu.Lock()
		defer mu.Unlock()
		b.Add(records...)
	}
	return cfg
}

// commitCrawl finishes the snapshot that b gathered during the crawl, and
// commits it.
func commitCrawl(opt Options, crawled *crawler.Result, b *snapshot.Builder, prev *Previous, part *partial,
	loc *time.Location) (*Result, error) {
	var prevSnapshot *snapshot.Snapshot
	if prev != nil {
		prevSnapshot = prev.Snapshot
	}
	s, warnings := b.Finish(prevSnapshot)
	if prev != nil {
		s.Carry(prev.Snapshot, part.staleKeys())
	}
	res := &Result{Crawl: crawled, Snapshot: s, First: prev == nil, Stale: part.stale, LeftOut: part.leftOut}

	confirmed, err := checkDrop(opt.Archive.Dir(), prev, res, logger(opt))
	if err != nil || res.Awaiting != "" {
		return res, err
	}

	files, err := Files(prev, crawled, s, append(crawled.Warnings, warnings...), part)
	if err != nil {
		return res, err
	}
	res.Report = files.report

	message := CommitMessage(files.report, prev, crawled, s, files.dataChanged, part, confirmed)
	c, changed, err := opt.Archive.Commit(files.tree, archive.CommitOptions{
		Message: message,
		Author:  opt.Author,
		When:    crawled.Started.In(loc),
		Watch:   watched,
	})
	if err != nil {
		return res, fmt.Errorf("commit snapshot to %s: %w", opt.Archive.Dir(), err)
	}
	res.Commit, res.Changed = c, changed
	if changed {
		maintain(opt)
		updateIndex(opt)
	}
	return res, nil
}

// updateIndex adds the new commit to the history index, so that the next
// query finds it current. The index is derived data, so a failure is
// logged and left for the next query, which updates the index itself or
// reads the reports.
func updateIndex(opt Options) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stats, err := history.New(opt.Archive, log).Update()
	if err != nil {
		log.Warn("history index update failed; queries will update it or read every report",
			"archive", opt.Archive.Dir(), "error", err)
		return
	}
	if stats.Rebuilt {
		log.Info("built history index", "archive", opt.Archive.Dir(), "commits", stats.Added,
			"duration_ms", stats.Duration.Milliseconds())
	}
}

// maintain packs the archive's loose objects when they pile up. The commit
// is already durable, so a failure here is logged and left for the next run.
func maintain(opt Options) {
	log := logger(opt)
	stats, err := opt.Archive.Maintain()
	if err != nil {
		log.Error("pack archive objects", "archive", opt.Archive.Dir(), "error", err)
		return
	}
	if stats.Objects > 0 {
		log.Info("packed archive objects", "objects", stats.Objects, "removed", stats.Removed,
			"full", stats.Full, "duration_ms", stats.Duration.Milliseconds())
	}
}

// checkDrop holds back a snapshot that lost much of HEAD at once until a
// second consecutive crawl loses exactly the same addresses and streams. It
// returns the reason of a drop that this crawl confirms.
func checkDrop(dir string, prev *Previous, res *Result, log *slog.Logger) (string, error) {
	if prev == nil {
		return "", nil
	}
	drop := measureDrop(prev.Snapshot, res.Snapshot)
	if !drop.sudden() {
		return "", forgetDrop(dir, log)
	}

	drop.Head, drop.Detected = prev.Commit.Hash, res.Crawl.Started
	confirmed, replaced, err := confirmDrop(dir, drop, log)
	if err != nil {
		return "", err
	}
	res.Drop, res.Replaced = &drop, replaced
	if !confirmed {
		res.Awaiting = drop.Reason
		return "", nil
	}
	return drop.Reason, nil
}

// forgetDrop removes the pending drop, if any, that this crawl did not see
// again, and logs it.
func forgetDrop(dir string, log *slog.Logger) error {
	pending, err := ReadPending(dir)
	if err != nil {
		log.Warn("pending drop unreadable; removing it", "error", err)
	}
	if pending != nil {
		log.Info("pending sudden drop not seen again; forgotten", "reason", pending.Reason,
			"detected", pending.Detected)
	}
	return clearDrop(dir)
}

// logger returns the logger of opt, or one that discards.
func logger(opt Options) *slog.Logger {
	if opt.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return opt.Logger
}

func location(loc *time.Location) (*time.Location, error) {
	if loc != nil {
		return loc, nil
	}
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		return nil, fmt.Errorf("load time zone America/Martinique: %w", err)
	}
	return loc, nil
}

func logResult(log *slog.Logger, res *Result) {
	if res.Awaiting != "" {
		attrs := []any{"reason", res.Awaiting, "addresses", len(res.Snapshot.Addresses),
			"lost_addresses", len(res.Drop.Addresses), "lost_streams", res.Drop.Streams}
		if res.Replaced != nil {
			attrs = append(attrs, "replaced_reason", res.Replaced.Reason)
		}
		log.Warn("sudden drop awaits confirmation by the next crawl; nothing committed", attrs...)
		return
	}
	if len(res.Stale) > 0 || len(res.LeftOut) > 0 {
		log.Warn("some address requests failed; their previous rules were kept",
			"stale", len(res.Stale), "left_out", len(res.LeftOut))
	}
	attrs := []any{
		"changed", res.Changed,
		"addresses", len(res.Snapshot.Addresses),
		"rules", len(res.Snapshot.Rules),
		"changes", len(res.Report.Changes),
		"requests", res.Crawl.Requests,
		"retries", res.Crawl.Retries,
		"duration_ms", res.Crawl.Finished.Sub(res.Crawl.Started).Milliseconds(),
	}
	if res.Commit != nil {
		attrs = append(attrs, "commit", res.Commit.Hash)
	}
	log.Info("run finished", attrs...)
}

// Previous is the snapshot at HEAD with the commit it comes from.
type Previous struct {
	Commit   *archive.Commit
	Snapshot *snapshot.Snapshot
	Data     archive.Files
}

// ReadHead reads the snapshot at HEAD, or returns nil for an empty archive.
func ReadHead(a *archive.Archive) (*Previous, error) {
	head, err := a.Head()
	if errors.Is(err, archive.ErrEmpty) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read HEAD of %s: %w", a.Dir(), err)
	}
	s, data, err := ReadSnapshot(a, head.Hash)
	if err != nil {
		return nil, err
	}
	return &Previous{Commit: head, Snapshot: s, Data: data}, nil
}

// ReadSnapshot decodes the snapshot of one commit, and returns its data/
// files with it.
func ReadSnapshot(a *archive.Archive, hash string) (*snapshot.Snapshot, archive.Files, error) {
	data, err := a.Read(hash, "data/")
	if err != nil {
		return nil, nil, fmt.Errorf("read snapshot %s: %w", hash, err)
	}
	s, err := snapshot.Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("decode snapshot %s: %w", hash, err)
	}
	return s, data, nil
}
