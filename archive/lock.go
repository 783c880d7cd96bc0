package archive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// lockFileName is the file in the repository directory that Lock holds.
// Git ignores unknown files there, so clones never see it.
const lockFileName = "collecte.lock"

// LockedError reports that another process, or another Lock call in this
// process, holds the archive lock.
type LockedError struct {
	// PID is the process id written by the holder, or 0 if it wrote none yet.
	PID int

	// Path is the lock file.
	Path string
}

// Error names the holder and what to do.
func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}

	return fmt.Sprintf("archive lock %s is held by %s; wait for it to finish, "+
		"or stop it if it hangs (the lock is released when it exits)", e.Path, holder)
}

// Lock takes an exclusive flock(2) on DIR/collecte.lock without waiting and
// writes the process id into the file. It returns a *LockedError when the
// lock is held, through another open file, by this or another process. The
// kernel releases the lock if the process dies, so a crash leaves no stale
// lock. Call unlock to release it. Later calls return the first result.
// NOTE: flock is Unix-only, so this package builds only on Unix systems.
func (a *Archive) Lock() (unlock func() error, err error) {
	path := filepath.Join(a.dir, lockFileName)

	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}

	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := readPID(f)
		_ = f.Close()
		return nil, &LockedError{PID: pid, Path: path}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}

	if err := writePID(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write process id to %s: %w", path, err)
	}
	if err := a.removeLeftovers(); err != nil {
		_ = release(f)
		return nil, err
	}

	var once sync.Once
	var releaseErr error
	unlock = func() error {
		once.Do(func() { releaseErr = release(f) })
		return releaseErr
	}

	return unlock, nil
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}

	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)

	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		return 0
	}

	return pid
}

// release empties the lock file, so that no stale process id remains, and
// closes it, which drops the flock.
func release(f *os.File) error {
	truncErr := f.Truncate(0)
	closeErr := f.Close()

	return errors.Join(truncErr, closeErr)
}

// removeLeftovers deletes what a collecte writer killed mid-commit leaves
// behind: a ref lock file such as refs/heads/main.lock, which would make
// every later commit fail, temporary pack and index files, an index whose
// pack was never renamed into place, and the temporary object files of
// older versions. Every collecte writer holds the archive lock while it
// commits, so once this process holds it, such files belong to a writer
// that died. The bitmaps and reverse indexes of a pack that a killed
// writer removed go too.
// NOTE: a git command run by hand on the archive at that very moment would
// lose its ref lock or its temporary pack. Do not run git commands that
// write to the archive while collecte may commit.
func (a *Archive) removeLeftovers() error {
	patterns := []string{
		filepath.Join(a.dir, "refs", "heads", "*.lock"),
		filepath.Join(a.dir, "objects", "tmp_obj_*"),
		filepath.Join(a.dir, "objects", "pack", "tmp_pack_*"),
		filepath.Join(a.dir, "objects", "pack", "tmp_idx_*"),
	}
	var leftovers []string
	for _, pattern := range patterns {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		leftovers = append(leftovers, matches...)
	}

	orphans, err := orphanPackFiles(filepath.Join(a.dir, "objects", "pack"))
	if err != nil {
		return err
	}

	for _, path := range append(leftovers, orphans...) {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s left by an interrupted commit: %w", path, err)
		}
	}
	return nil
}

// orphanPackFiles returns the pack indexes and companion files in dir
// whose pack is missing. A crash between the two renames of install leaves
// an index, and a crash inside removePack leaves an index or companions.
// Git and go-git ignore them, and removing them leaves only complete packs.
func orphanPackFiles(dir string) ([]string, error) {
	var orphans []string
	for _, ext := range append([]string{".idx"}, packCompanions...) {
		files, err := filepath.Glob(filepath.Join(dir, "pack-*"+ext))
		if err != nil {
			return nil, err
		}

		for _, file := range files {
			_, err := os.Stat(strings.TrimSuffix(file, ext) + ".pack")
			if errors.Is(err, os.ErrNotExist) {
				orphans = append(orphans, file)
			} else if err != nil {
				return nil, err
			}
		}
	}
	return orphans, nil
}
