package verify

import (
	"errors"
	"fmt"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/snapshot"
)

// indexBuilder writes the history index from the files that Archive reads,
// so that the index needs no second pass over the archive.
type indexBuilder struct {
	b   *history.Builder
	err error
}

func newIndexBuilder(a *archive.Archive, commits int) *indexBuilder {
	if commits == 0 {
		return &indexBuilder{err: errors.New("the archive has no commit")}
	}
	b, err := history.New(a, nil).NewBuilder()
	return &indexBuilder{b: b, err: err}
}

// add indexes commit c from its files, or gives up the new index when
// they could not be read.
func (ib *indexBuilder) add(c archive.Commit, files archive.Files, s *snapshot.Snapshot) {
	if ib.err != nil {
		return
	}
	switch {
	case files == nil:
		ib.err = fmt.Errorf("commit %s could not be read", c.Hash)
	case s == nil && c.Parent == "":
		// Archive leaves s nil when a file is missing, but the index
		// needs the addresses of the first snapshot all the same.
		s, ib.err = snapshot.Decode(files)
	}
	if ib.err == nil {
		ib.err = ib.b.Add(c, files, s)
	}
	if ib.err != nil {
		ib.b.Abort()
	}
}

// finish puts the new index in place and returns its number of commits.
func (ib *indexBuilder) finish() (int, error) {
	if ib.err != nil {
		return 0, fmt.Errorf("history index not rebuilt: %w", ib.err)
	}
	n, err := ib.b.Finish()
	if err != nil {
		return 0, fmt.Errorf("history index not rebuilt: %w", err)
	}
	return n, nil
}
