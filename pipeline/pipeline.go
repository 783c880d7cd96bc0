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
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Paths of the change report that each commit carries, relative to the
// archive root. The report compares the commit with its parent.
const (
	ReportJSONPath     = "reports/changes.json"
	ReportMarkdownPath = "reports/changes.md"
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
}

// Result is what a run did.
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
}

// Run crawls, builds, compares and commits. A failed crawl returns an error
// matching crawler.ErrCrawlFailed and leaves the archive untouched.
func Run(ctx context.Context, opt Options) (*Result, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc, err := location(opt.Location)
	if err != nil {
		return nil, err
	}

	unlock, err := opt.Archive.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()

	crawled, err := crawler.Crawl(ctx, opt.Crawler)
	if err != nil {
		return &Result{Crawl: crawled}, fmt.Errorf("crawl %s: %w", opt.Crawler.Source, err)
	}

	res, err := commitCrawl(opt, crawled, loc)
	if err != nil {
		return res, err
	}
	logResult(log, res)
	return res, nil
}

func commitCrawl(opt Options, crawled *crawler.Result, loc *time.Location) (*Result, error) {
	prev, err := ReadHead(opt.Archive)
	if err != nil {
		return &Result{Crawl: crawled}, err
	}

	var prevSnapshot *snapshot.Snapshot
	if prev != nil {
		prevSnapshot = prev.Snapshot
	}
	s, warnings := snapshot.Build(crawled.Records, prevSnapshot)
	res := &Result{Crawl: crawled, Snapshot: s, First: prev == nil}

	files, err := Files(prev, crawled, s, append(crawled.Warnings, warnings...))
	if err != nil {
		return res, err
	}
	res.Report = files.report

	message := CommitMessage(files.report, prev, crawled, s, files.dataChanged)
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
	return res, nil
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
