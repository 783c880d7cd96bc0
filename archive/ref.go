package archive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// mainHash returns the commit that main points at, or the zero hash when
// main does not exist yet.
func (a *Archive) mainHash() (plumbing.Hash, error) {
	return a.refHash(mainBranch)
}

// refHash returns the commit that branch points at, or the zero hash when
// the branch does not exist yet. go-git reads the loose ref first and falls
// back to packed-refs, as git does.
func (a *Archive) refHash(branch plumbing.ReferenceName) (plumbing.Hash, error) {
	ref, err := a.repo.Storer.Reference(branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s in %s: %w", branch, a.dir, err)
	}

	return ref.Hash(), nil
}

// updateRef moves branch from old to next, failing with ErrConflict if the
// branch no longer points at old (the zero hash means it must not exist).
//
// go-git's SetReference rewrites the ref file in place, so a crash can leave
// it empty. updateRef follows git's own protocol instead. It creates
// the ref's .lock file exclusively, which also keeps git update-ref out. It
// checks the current value, writes and fsyncs the lock file, renames it over
// the ref and fsyncs the directory. A crash leaves main at old or at next.
func (a *Archive) updateRef(branch plumbing.ReferenceName, old, next plumbing.Hash) (err error) {
	refPath := filepath.Join(a.dir, filepath.FromSlash(branch.String()))
	lockPath := refPath + ".lock"

	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("update %s: %w", branch, err)
	}

	f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("update %s: lock file %s exists, so another git process "+
			"is updating the branch or one crashed: remove the file if no git "+
			"or collecte process is running, then retry", branch, lockPath)
	}
	if err != nil {
		return fmt.Errorf("update %s: create lock file: %w", branch, err)
	}

	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close()
			_ = os.Remove(lockPath)
		}
	}()

	if err := a.checkRef(branch, old); err != nil {
		return err
	}

	if err := writeSynced(f, next.String()+"\n"); err != nil {
		return fmt.Errorf("update %s: write lock file %s: %w", branch, lockPath, err)
	}

	if err := os.Rename(lockPath, refPath); err != nil {
		return fmt.Errorf("update %s: rename %s: %w", branch, lockPath, err)
	}
	renamed = true

	if err := syncPath(filepath.Dir(refPath)); err != nil {
		return fmt.Errorf("update %s: %w", branch, err)
	}

	return nil
}

// checkRef is the compare step of updateRef's compare-and-swap.
func (a *Archive) checkRef(branch plumbing.ReferenceName, want plumbing.Hash) error {
	current, err := a.refHash(branch)
	if err != nil {
		return err
	}

	if current != want {
		return fmt.Errorf("update %s in %s: expected %s, found %s: %w: "+
			"another writer committed, so rerun to commit on top of it",
			branch, a.dir, describeHash(want), describeHash(current), ErrConflict)
	}

	return nil
}

func describeHash(h plumbing.Hash) string {
	if h.IsZero() {
		return "no commit"
	}

	return h.String()
}

// writeSynced writes content, fsyncs and closes f.
func writeSynced(f *os.File, content string) error {
	if _, err := f.WriteString(content); err != nil {
		return err
	}

	if err := f.Sync(); err != nil {
		return err
	}

	return f.Close()
}
