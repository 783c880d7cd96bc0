package web

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

// maxCachedReports bounds the decoded change reports kept in memory. A
// report of a large change weighs a few megabytes once decoded.
const maxCachedReports = 16

// store reads the archive and caches what a commit hash fixes for good: the
// decoded HEAD snapshot (keyed by the HEAD hash, so a new commit replaces
// it), the summary of each commit and a few change reports.
type store struct {
	a      *archive.Archive
	ix     *history.Index
	logger *slog.Logger

	headMu sync.Mutex
	head   *current

	mu      sync.Mutex
	sums    map[string]summary
	reports map[string]diff.Report
}

// current is the snapshot at HEAD with the indexes that the pages use.
type current struct {
	commit    archive.Commit
	snap      *snapshot.Snapshot
	schedules map[string]map[string][]snapshot.Slot
	missing   []snapshot.Missing
	index     map[string]snapshot.Address
	streets   []street
	communes  []string
	quartiers int
}

// summary is what the timeline shows of one commit.
type summary struct {
	commit archive.Commit
	counts map[string]int
	// manifest holds the figures of crawl.json. Its Present field is false
	// for a commit without it.
	manifest history.Manifest
}

// newStore returns the store of a. A nil log discards the logs.
func newStore(a *archive.Archive, log *slog.Logger) *store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &store{
		a:       a,
		ix:      history.New(a, log),
		logger:  log,
		sums:    map[string]summary{},
		reports: map[string]diff.Report{},
	}
}

// indexed runs fn on the history index and reports whether the index was
// available. When it was not, it logs why at debug level, and the caller
// reads the archive instead.
func (st *store) indexed(fn func(*history.Reader) error) (bool, error) {
	err := st.ix.View(fn)
	if errors.Is(err, history.ErrUnavailable) {
		st.logger.Debug("history index unavailable; reading the archive", "archive", st.a.Dir(), "error", err)
		return false, nil
	}
	return true, err
}

// current returns the snapshot at HEAD, decoding it only when HEAD moved
// since the last call. It returns an error wrapping archive.ErrEmpty for an
// archive without a commit.
func (st *store) current() (*current, error) {
	head, err := st.a.Head()
	if err != nil {
		return nil, fmt.Errorf("read head of %s: %w", st.a.Dir(), err)
	}

	st.headMu.Lock()
	defer st.headMu.Unlock()
	if st.head != nil && st.head.commit.Hash == head.Hash {
		return st.head, nil
	}

	s, _, err := pipeline.ReadSnapshot(st.a, head.Hash)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", head.Hash, err)
	}
	st.head = index(*head, s)
	return st.head, nil
}

func index(c archive.Commit, s *snapshot.Snapshot) *current {
	cur := &current{
		commit:    c,
		snap:      s,
		schedules: s.Schedules(),
		missing:   s.Missing(),
		index:     make(map[string]snapshot.Address, len(s.Addresses)),
		streets:   streets(s.Addresses),
	}
	communes := map[string]string{}
	quartiers := map[[2]string]bool{}
	for _, a := range s.Addresses {
		cur.index[a.Key] = a
		folded := snapshot.Fold(a.Commune)
		if _, seen := communes[folded]; !seen {
			communes[folded] = a.Commune
		}
		quartiers[[2]string{folded, snapshot.Fold(a.Quartier)}] = true
	}
	cur.communes = sortedValues(communes)
	cur.quartiers = len(quartiers)
	return cur
}

// log returns the first-parent history of main, newest first. The commits
// that come from the history index have no Message.
func (st *store) log() ([]archive.Commit, error) {
	var commits []archive.Commit
	ok, err := st.indexed(func(r *history.Reader) error {
		recs, err := r.Commits()
		for _, c := range recs {
			commits = append(commits, c.Commit)
		}
		return err
	})
	if ok {
		return commits, err
	}
	return st.walkLog()
}

// walkLog returns the first-parent history of main from the archive.
func (st *store) walkLog() ([]archive.Commit, error) {
	commits, err := st.a.Log()
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", st.a.Dir(), err)
	}
	return commits, nil
}

// report returns the change report of a commit, which compares it with its
// parent, with To set to the commit hash.
func (st *store) report(hash string) (diff.Report, error) {
	st.mu.Lock()
	r, ok := st.reports[hash]
	st.mu.Unlock()
	if ok {
		return r, nil
	}

	data, err := st.a.ReadFile(hash, pipeline.ReportJSONPath)
	if err != nil {
		return diff.Report{}, fmt.Errorf("read %s of commit %s: %w", pipeline.ReportJSONPath, hash, err)
	}
	r, err = diff.ReadJSON(data)
	if err != nil {
		return diff.Report{}, fmt.Errorf("decode %s of commit %s: %w", pipeline.ReportJSONPath, hash, err)
	}
	r.To = hash

	st.mu.Lock()
	if len(st.reports) >= maxCachedReports {
		clear(st.reports)
	}
	st.reports[hash] = r
	st.mu.Unlock()
	return r, nil
}

// summary returns the change counts and the crawl manifest of a commit.
func (st *store) summary(c archive.Commit) (summary, error) {
	st.mu.Lock()
	sum, ok := st.sums[c.Hash]
	st.mu.Unlock()
	if ok {
		return sum, nil
	}

	r, err := st.report(c.Hash)
	if err != nil {
		return summary{}, err
	}
	m, err := st.manifest(c.Hash)
	if err != nil {
		return summary{}, err
	}
	sum = summary{commit: c, counts: r.Counts}
	if m != nil {
		sum.manifest = history.Manifest{Present: true, Valid: true, Addresses: m.Addresses, Rules: m.Rules, Missing: m.Missing}
	}

	st.mu.Lock()
	st.sums[c.Hash] = sum
	st.mu.Unlock()
	return sum, nil
}

// manifest reads crawl.json of a commit, or returns nil when the commit has
// none.
func (st *store) manifest(hash string) (*snapshot.Manifest, error) {
	data, err := st.a.ReadFile(hash, snapshot.ManifestPath)
	if errors.Is(err, archive.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s of commit %s: %w", snapshot.ManifestPath, hash, err)
	}
	m, err := snapshot.DecodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s of commit %s: %w", snapshot.ManifestPath, hash, err)
	}
	return &m, nil
}

// summaries returns the summary of every commit, newest first.
func (st *store) summaries() ([]summary, error) {
	var out []summary
	ok, err := st.indexed(func(r *history.Reader) error {
		var err error
		out, err = indexedSummaries(r)
		return err
	})
	if ok {
		return out, err
	}
	return st.walkSummaries()
}

// walkSummaries returns the summary of every commit from its report and
// manifest.
func (st *store) walkSummaries() ([]summary, error) {
	commits, err := st.walkLog()
	if err != nil {
		return nil, err
	}
	out := make([]summary, 0, len(commits))
	for _, c := range commits {
		sum, err := st.summary(c)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// indexedSummaries returns the summaries from the index. It gives up on a
// commit without a report or with an invalid crawl.json, on which the
// walk fails with its own error.
func indexedSummaries(r *history.Reader) ([]summary, error) {
	commits, err := r.Commits()
	if err != nil {
		return nil, err
	}
	out := make([]summary, 0, len(commits))
	for _, c := range commits {
		if !c.HasReport || (c.Manifest.Present && !c.Manifest.Valid) {
			return nil, fmt.Errorf("%w: commit %s has no report or an invalid %s",
				history.ErrUnavailable, c.Hash, snapshot.ManifestPath)
		}
		out = append(out, summary{commit: c.Commit, counts: c.Counts, manifest: c.Manifest})
	}
	return out, nil
}

// commit returns the commit of main with the full hash.
func (st *store) commit(hash string) (archive.Commit, error) {
	var found history.Commit
	var ok bool
	indexed, err := st.indexed(func(r *history.Reader) error {
		var err error
		found, ok, err = r.Find(hash)
		return err
	})
	switch {
	case indexed && err != nil:
		return archive.Commit{}, err
	case indexed && ok:
		return found.Commit, nil
	case indexed:
		return archive.Commit{}, fmt.Errorf("commit %s is not on main of %s: %w", hash, st.a.Dir(), archive.ErrNotFound)
	}

	commits, err := st.walkLog()
	if err != nil {
		return archive.Commit{}, err
	}
	for _, c := range commits {
		if c.Hash == hash {
			return c, nil
		}
	}
	return archive.Commit{}, fmt.Errorf("commit %s is not on main of %s: %w", hash, st.a.Dir(), archive.ErrNotFound)
}

// sortedValues returns the values of m sorted by their keys.
func sortedValues(m map[string]string) []string {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}
