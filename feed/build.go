// Package feed publishes the changes of the archive as Atom and RSS 2.0
// feeds, one entry per commit of main, newest first, optionally filtered by
// a diff.Selection, and renders the French change reports that the feeds and
// the e-mails share.
package feed

import (
	"errors"
	"fmt"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
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
// less) for the commits of main that sel follows, newest first.
func Entries(a *archive.Archive, sel diff.Selection, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
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
	n := 0
	for _, ad := range s.Addresses {
		c := diff.Change{Kind: diff.KindAddressAdded, AdresseKey: ad.Key, Commune: ad.Commune, Quartier: ad.Quartier, Voie: ad.Voie}
		if sel.Match(c) {
			n++
		}
	}
	return n, nil
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
