// Package history keeps an index of the change reports of an archive, so
// that the history of one address, the list of snapshots and the filtered
// feeds read a few records instead of the report of every commit.
//
// The index is derived data: one bbolt file, FileName, in the archive
// directory, that records the head of main it covers. Before each query the
// index is brought up to date by indexing, oldest first, the commits of
// main's first-parent history that are newer than that head, in write
// transactions that each leave a consistent prefix of the history. An index
// whose head is not on that history, of another schema version or that
// does not decode is rebuilt from scratch. When the index cannot be used
// (the archive directory is not writable and the index is behind, or
// another process holds it beyond LockTimeout), queries return an error
// wrapping ErrUnavailable, and callers read every report as before.
package history

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the index file in the archive directory.
const FileName = "collecte-index.db"

// LockTimeout is how long a query or an update waits for the index held by
// another process, or by another goroutine of this one, before it gives up.
const LockTimeout = time.Second

// batchSize is the number of commits indexed per write transaction. Tests
// lower it to make many transactions.
var batchSize = 128

// ErrUnavailable reports that the index cannot serve a query, which must
// then read the reports from the archive.
var ErrUnavailable = errors.New("history index unavailable")

// Index is the change index of one archive. Its methods may be called from
// several goroutines, because they take turns on the file.
type Index struct {
	a    *archive.Archive
	path string
	log  *slog.Logger
	gate chan struct{}

	// openFile opens the index file; nil means os.OpenFile. Tests replace
	// it to simulate a directory that is not writable.
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// gates holds one gate per index path, shared by every Index of this
// process, so that its goroutines open the file in turn. Without it they
// would contend on the file lock like separate processes, which bbolt
// polls every 50 ms.
var gates sync.Map

// New returns the index of archive a, kept in FileName in its directory.
// It opens nothing: each query opens the file and closes it before
// returning, so that another process may update it in between. A nil log
// discards the logs.
func New(a *archive.Archive, log *slog.Logger) *Index {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	path := filepath.Join(a.Dir(), FileName)
	gate, _ := gates.LoadOrStore(path, make(chan struct{}, 1))
	return &Index{a: a, path: path, log: log.With("component", "history"), gate: gate.(chan struct{})}
}

// Path returns the path of the index file.
func (ix *Index) Path() string {
	return ix.path
}

// Stats describes what an update did.
type Stats struct {
	// Added is the number of commits indexed.
	Added int
	// Rebuilt is true when the index was emptied first.
	Rebuilt bool
	// Duration is the time the update took, reading the archive included.
	Duration time.Duration
}

// Update brings the index up to date with main. The pipeline calls it
// after each commit, so that queries find the index current.
func (ix *Index) Update() (Stats, error) {
	leave, err := ix.enter()
	if err != nil {
		return Stats{}, err
	}
	defer leave()

	db, err := ix.openWrite()
	if err != nil {
		return Stats{}, err
	}
	defer db.Close()
	return ix.update(db)
}

// View calls fn with a reader of the index brought up to date with main.
// When the index cannot be brought up to date, View returns an error
// wrapping ErrUnavailable without calling fn. An error of fn that wraps
// ErrUnavailable or reports a corrupt value also comes back wrapping
// ErrUnavailable, and other errors of fn come back as they are.
func (ix *Index) View(fn func(*Reader) error) error {
	// Reading the ref alone keeps a query on a current index away from the
	// object store.
	head, err := ix.a.HeadHash()
	if errors.Is(err, archive.ErrEmpty) {
		return fmt.Errorf("%w: the archive has no commit", ErrUnavailable)
	}
	if err != nil {
		return err
	}

	leave, err := ix.enter()
	if err != nil {
		return err
	}
	defer leave()

	err = ix.viewCurrent(head, fn)
	if !errors.Is(err, errBehind) {
		return ix.checked(err)
	}

	db, err := ix.openWrite()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := ix.update(db); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return ix.checked(view(db, fn))
}

// errBehind reports that the index file is missing or does not cover the
// head of main.
var errBehind = errors.New("history index is behind main")

// enter waits for the other users of the index in this process.
func (ix *Index) enter() (leave func(), err error) {
	timer := time.NewTimer(LockTimeout)
	defer timer.Stop()
	select {
	case ix.gate <- struct{}{}:
		return func() { <-ix.gate }, nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: %s is busy in this process after %s", ErrUnavailable, ix.path, LockTimeout)
	}
}

// viewCurrent calls fn on the index opened read-only when it covers head,
// and returns errBehind when it does not.
func (ix *Index) viewCurrent(head string, fn func(*Reader) error) error {
	if _, err := os.Stat(ix.path); err != nil {
		return errBehind
	}
	db, err := bolt.Open(ix.path, 0, &bolt.Options{ReadOnly: true, Timeout: LockTimeout, OpenFile: ix.openFile})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("%w: %s is locked by another process", ErrUnavailable, ix.path)
	}
	if err != nil {
		return errBehind
	}
	defer db.Close()

	return view(db, func(r *Reader) error {
		if r.st.head != head {
			return errBehind
		}
		return fn(r)
	})
}

// view runs fn in a read transaction of db. A panic of bbolt on a damaged
// page is returned as a corrupt index.
func view(db *bolt.DB, fn func(*Reader) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read history index: %w: %v", errCorrupt, p)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		if st.schema != schemaVersion || !hasBuckets(tx) {
			return errBehind
		}
		return fn(&Reader{tx: tx, st: st})
	})
}

func hasBuckets(tx *bolt.Tx) bool {
	return !slices.ContainsFunc(allBuckets, func(name []byte) bool { return tx.Bucket(name) == nil })
}

// checked turns an error that shows a corrupt index into ErrUnavailable,
// and removes the file so that the next query rebuilds it.
func (ix *Index) checked(err error) error {
	if !errors.Is(err, errCorrupt) {
		return err
	}
	ix.log.Warn("history index is corrupt; removing it so that the next query rebuilds it",
		"path", ix.path, "error", err)
	if rmErr := os.Remove(ix.path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		ix.log.Warn("remove corrupt history index", "path", ix.path, "error", rmErr)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// openWrite opens the index file for writing, creating it when missing,
// and replaces a file that bbolt rejects with a new one.
func (ix *Index) openWrite() (*bolt.DB, error) {
	db, err := ix.tryOpenWrite()
	if err == nil || errors.Is(err, ErrUnavailable) {
		return db, err
	}

	ix.log.Warn("history index failed to open; rebuilding it", "path", ix.path, "error", err)
	if err := os.Remove(ix.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: remove %s: %w", ErrUnavailable, ix.path, err)
	}
	db, err = ix.tryOpenWrite()
	if err != nil && !errors.Is(err, ErrUnavailable) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return db, err
}

func (ix *Index) tryOpenWrite() (*bolt.DB, error) {
	db, err := bolt.Open(ix.path, 0o644, &bolt.Options{Timeout: LockTimeout, OpenFile: ix.openFile})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is locked by another process", ErrUnavailable, ix.path)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return nil, fmt.Errorf("%w: %s is not writable: %w", ErrUnavailable, ix.path, err)
	}
	return nil, fmt.Errorf("open history index %s: %w", ix.path, err)
}

// update indexes the commits of main newer than the recorded head, oldest
// first, batchSize commits per transaction. It empties the index first
// when its schema differs or its head is not on main's first-parent
// history.
func (ix *Index) update(db *bolt.DB) (Stats, error) {
	start := time.Now()
	var st state
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		st, err = readState(tx)
		if err == nil && st.schema == schemaVersion && !hasBuckets(tx) {
			st.schema = 0
		}
		return err
	})
	if err != nil {
		return Stats{}, fmt.Errorf("update history index: %w", err)
	}

	since := st.head
	if st.schema != schemaVersion {
		since = ""
	}
	commits, found, err := ix.a.LogSince(since)
	if err != nil {
		return Stats{}, fmt.Errorf("update history index: %w", err)
	}
	stats := Stats{Rebuilt: since == "" || !found}
	if stats.Rebuilt {
		ix.log.Info("building history index from scratch", "path", ix.path, "schema", st.schema,
			"recorded_head", st.head, "head_on_main", found, "commits", len(commits))
		if err := db.Update(reset); err != nil {
			return Stats{}, err
		}
	}

	slices.Reverse(commits)
	for batch := range slices.Chunk(commits, batchSize) {
		if err := ix.indexBatch(db, batch); err != nil {
			return stats, err
		}
		stats.Added += len(batch)
	}
	stats.Duration = time.Since(start)
	if stats.Added > 0 {
		ix.log.Debug("history index updated", "path", ix.path, "added", stats.Added,
			"rebuilt", stats.Rebuilt, "duration_ms", stats.Duration.Milliseconds())
	}
	return stats, nil
}

// indexBatch reads the commits from the archive, then indexes them in one
// write transaction.
func (ix *Index) indexBatch(db *bolt.DB, commits []archive.Commit) error {
	data := make([]commitData, 0, len(commits))
	for _, c := range commits {
		cd, err := readCommit(ix.a, c)
		if err != nil {
			return err
		}
		data = append(data, cd)
	}
	return writeBatch(db, data)
}
