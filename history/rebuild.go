package history

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/collecte-cacem/collecte/statefile"
	bolt "go.etcd.io/bbolt"
)

// Builder writes a new index from commits that its caller has already read
// (collecte verify does) into a temporary file beside the index, then
// renames it over the old index.
type Builder struct {
	ix      *Index
	tmp     string
	db      *bolt.DB
	pending []commitData
}

// NewBuilder starts a new index for ix. Call Add for every commit of main,
// oldest first, then Finish, or Abort to give up.
func (ix *Index) NewBuilder() (*Builder, error) {
	f, err := os.CreateTemp(filepath.Dir(ix.path), "."+FileName+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create new history index: %w", err)
	}
	tmp := f.Name()
	// CreateTemp makes the file private, but the index is as public as the
	// archive, like the files that bbolt creates.
	err = f.Chmod(0o644)
	f.Close()
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create new history index %s: %w", tmp, err)
	}

	// The file is not in place until Finish syncs it, so its transactions
	// need no sync of their own.
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{NoSync: true})
	if err == nil {
		err = db.Update(reset)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create new history index %s: %w", tmp, err)
	}
	return &Builder{ix: ix, tmp: tmp, db: db}, nil
}

// Add indexes commit c from its files, which hold its report and
// crawl.json when it has them. first is the decoded snapshot of the first
// commit, and is ignored for the others.
func (b *Builder) Add(c archive.Commit, files archive.Files, first *snapshot.Snapshot) error {
	cd, err := fromFiles(c, files, first)
	if err != nil {
		return err
	}
	b.pending = append(b.pending, cd)
	if len(b.pending) < batchSize {
		return nil
	}
	return b.write()
}

func (b *Builder) write() error {
	err := writeBatch(b.db, b.pending)
	b.pending = b.pending[:0]
	return err
}

// Finish writes the last commits, syncs the new index and renames it over
// the old one. It returns the number of commits indexed.
func (b *Builder) Finish() (int, error) {
	defer os.Remove(b.tmp)

	err := b.write()
	if err == nil {
		err = b.db.Sync()
	}
	var count int
	if err == nil {
		err = b.db.View(func(tx *bolt.Tx) error {
			st, err := readState(tx)
			count = st.count
			return err
		})
	}
	if closeErr := b.db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return 0, fmt.Errorf("write new history index %s: %w", b.tmp, err)
	}

	leave, err := b.ix.enter()
	if err != nil {
		return 0, err
	}
	defer leave()
	if err := statefile.Rename(b.tmp, b.ix.path); err != nil {
		return 0, err
	}
	return count, nil
}

// Abort closes and removes the new index, leaving the old one in place.
func (b *Builder) Abort() {
	b.db.Close()
	os.Remove(b.tmp)
}
