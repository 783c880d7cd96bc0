// Package feed publishes the changes of the archive as Atom and RSS 2.0
// feeds, one entry per commit of main, newest first, optionally filtered by
// a diff.Selection, and renders the French change reports that the feeds and
// the e-mails share.
package feed

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/gorilla/feeds"
)

// Defaults of Options.
const (
	DefaultTitle = "Collecte des déchets — CACEM"
	DefaultLimit = 50
)

// Options sets up a feed.
type Options struct {
	// PublicURL is the base of every link, such as
	// "https://collecte.example.org". Its host is the authority of the
	// entry ids. Required.
	PublicURL string

	// Title is the feed title. Empty means DefaultTitle.
	Title string

	// Limit is the maximum number of entries. Zero or less means
	// DefaultLimit.
	Limit int

	// Location is the zone of the dates. Nil means America/Martinique.
	Location *time.Location
}

// Entry is one commit of main as a feed shows it.
type Entry struct {
	// Hash is the full commit hash.
	Hash string
	// When is the commit time.
	When time.Time
	// Baseline marks the first snapshot of the archive, which has no
	// report to show.
	Baseline bool
	// Addresses is, for a baseline, the number of addresses the selection
	// follows in it.
	Addresses int
	// Report is the part of the commit's change report that the selection
	// follows. It is empty for a commit whose schedules did not change.
	Report diff.Report
}

// Build reads the commits of main, newest first, and returns the feed of
// those that sel follows: the baseline when sel follows one of its
// addresses, and each commit whose report has a change that sel matches. An empty sel also keeps the commits without any
// change, such as a commit where only the raw capture changed. It stops after
// opt.Limit entries.
func Build(a *archive.Archive, sel diff.Selection, opt Options) (*feeds.Feed, error) {
	entries, err := Entries(a, sel, opt.Limit)
	if err != nil {
		return nil, err
	}
	updated, err := headTime(a)
	if err != nil {
		return nil, err
	}
	return Render(entries, sel, updated, opt)
}

// Entries returns up to limit entries (DefaultLimit when limit is zero or
// less) for the commits of main that sel follows, newest first. It reads
// the history index, or the report of every commit until limit entries
// when the index is unavailable.
func Entries(a *archive.Archive, sel diff.Selection, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var out []Entry
	err := history.New(a, slog.Default()).View(func(r *history.Reader) error {
		var err error
		out, err = indexedEntries(r, sel, limit)
		return err
	})
	if errors.Is(err, history.ErrUnavailable) {
		slog.Debug("history index unavailable; reading the report of every commit",
			"archive", a.Dir(), "error", err)
		return walkEntries(a, sel, limit)
	}
	return out, err
}

// indexedEntries returns what walkEntries returns, from the index. It
// reads the reports of the commits that the posting lists of sel give, or
// of every commit when sel follows everything.
func indexedEntries(r *history.Reader, sel diff.Selection, limit int) ([]Entry, error) {
	seqs, err := r.Candidates(sel)
	if err != nil {
		return nil, err
	}
	if sel.Empty() {
		for seq := r.Len() - 1; seq > 0 && len(seqs) < limit; seq-- {
			seqs = append(seqs, seq)
		}
	}

	var out []Entry
	for _, seq := range seqs {
		if len(out) == limit {
			return out, nil
		}
		if seq == 0 {
			continue
		}
		e, keep, err := indexedEntry(r, seq, sel)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, e)
		}
	}
	if len(out) == limit {
		return out, nil
	}

	first, err := indexedBaseline(r, sel)
	if err != nil {
		return nil, err
	}
	if first.Addresses > 0 || sel.Empty() {
		out = append(out, first)
	}
	return out, nil
}

// indexedEntry returns the entry of the commit at position seq, which is
// not the first, and whether sel follows it.
func indexedEntry(r *history.Reader, seq int, sel diff.Selection) (Entry, bool, error) {
	c, err := r.Commit(seq)
	if err != nil {
		return Entry{}, false, err
	}
	report := diff.Report{To: c.Hash}
	if c.HasReport {
		if report, err = r.Report(seq); err != nil {
			return Entry{}, false, err
		}
	}
	if report.To == "" {
		report.To = c.Hash
	}
	e := Entry{Hash: c.Hash, When: c.When, Report: report.Select(sel)}
	return e, len(e.Report.Changes) > 0 || sel.Empty(), nil
}

// indexedBaseline returns the entry of the first commit.
func indexedBaseline(r *history.Reader, sel diff.Selection) (Entry, error) {
	c, err := r.Commit(0)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Hash: c.Hash, When: c.When, Baseline: true, Addresses: c.Manifest.Addresses}
	if sel.Empty() && c.Manifest.Valid {
		return e, nil
	}
	addresses, err := r.FirstSnapshot()
	if err != nil {
		return Entry{}, err
	}
	e.Addresses = followed(addresses, sel)
	return e, nil
}

// walkEntries returns the entries from the report of each commit, newest
// first.
func walkEntries(a *archive.Archive, sel diff.Selection, limit int) ([]Entry, error) {
	commits, err := a.Log()
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", a.Dir(), err)
	}

	var out []Entry
	for _, c := range commits {
		if len(out) == limit {
			break
		}
		e, keep, err := entry(a, c, sel)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, e)
		}
	}
	return out, nil
}

// entry reads one commit and reports whether sel follows it. sel follows
// the baseline when it follows every address or at least one address of the
// first snapshot.
func entry(a *archive.Archive, c archive.Commit, sel diff.Selection) (Entry, bool, error) {
	e := Entry{Hash: c.Hash, When: c.When}
	if c.Parent == "" {
		n, err := followedAddresses(a, c.Hash, sel)
		e.Baseline, e.Addresses = true, n
		return e, n > 0 || sel.Empty(), err
	}

	r, err := ReadReport(a, c.Hash)
	if err != nil {
		return e, false, err
	}
	e.Report = r.Select(sel)
	return e, len(e.Report.Changes) > 0 || sel.Empty(), nil
}

// ReadReport reads the change report of a commit (pipeline.ReportJSONPath).
// A commit without a report, written by an older collecte, gets an empty
// report.
func ReadReport(a *archive.Archive, hash string) (diff.Report, error) {
	data, err := a.ReadFile(hash, pipeline.ReportJSONPath)
	if errors.Is(err, archive.ErrNotFound) {
		return diff.Report{To: hash}, nil
	}
	if err != nil {
		return diff.Report{}, fmt.Errorf("read report of %s: %w", hash, err)
	}
	r, err := diff.ReadJSON(data)
	if err != nil {
		return diff.Report{}, fmt.Errorf("decode %s of %s: %w", pipeline.ReportJSONPath, hash, err)
	}
	if r.To == "" {
		r.To = hash
	}
	return r, nil
}

// followedAddresses counts the addresses of a snapshot that sel follows,
// from the manifest when sel follows everything.
func followedAddresses(a *archive.Archive, hash string, sel diff.Selection) (int, error) {
	if sel.Empty() {
		data, err := a.ReadFile(hash, snapshot.ManifestPath)
		if err == nil {
			m, err := snapshot.DecodeManifest(data)
			if err == nil {
				return m.Addresses, nil
			}
		}
	}

	s, _, err := pipeline.ReadSnapshot(a, hash)
	if err != nil {
		return 0, err
	}
	return followed(s.Addresses, sel), nil
}

// followed counts the addresses that sel follows.
func followed(addresses []snapshot.Address, sel diff.Selection) int {
	n := 0
	for _, ad := range addresses {
		c := diff.Change{Kind: diff.KindAddressAdded, AdresseKey: ad.Key, Commune: ad.Commune, Quartier: ad.Quartier, Voie: ad.Voie}
		if sel.Match(c) {
			n++
		}
	}
	return n
}

// headTime returns the time of HEAD, or the Unix epoch for an empty
// archive, so that an empty feed still has a stable update time.
func headTime(a *archive.Archive) (time.Time, error) {
	head, err := a.Head()
	if errors.Is(err, archive.ErrEmpty) {
		return time.Unix(0, 0).UTC(), nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read HEAD of %s: %w", a.Dir(), err)
	}
	return head.When, nil
}
