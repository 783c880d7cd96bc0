package archive

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommitConflict(t *testing.T) {
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)

	stale, err := a.baseCommit()
	if err != nil {
		t.Fatalf("baseCommit: %v", err)
	}

	winner, _ := mustCommit(t, a, withFile(baseFiles(), "a", []byte("1")), "winner", t0.Add(time.Hour))

	opt := CommitOptions{Message: "loser", When: t0.Add(2 * time.Hour)}
	_, _, err = a.commitOnto(mainBranch, stale, withFile(baseFiles(), "a", []byte("2")), opt)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("commitOnto error = %v, want ErrConflict", err)
	}

	head, err := a.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != winner.Hash {
		t.Errorf("Head = %s, want the winner %s", head.Hash, winner.Hash)
	}

	if _, err := os.Stat(filepath.Join(a.Dir(), "refs/heads/main.lock")); !os.IsNotExist(err) {
		t.Errorf("ref lock file left behind: stat error = %v", err)
	}
}

func TestCommitRefLockExists(t *testing.T) {
	a := mustOpen(t)
	first, _ := mustCommit(t, a, baseFiles(), "first", t0)

	lockPath := filepath.Join(a.Dir(), "refs/heads/main.lock")
	if err := os.WriteFile(lockPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	_, _, err := a.Commit(withFile(baseFiles(), "a", []byte("1")), CommitOptions{Message: "second", When: t0})
	if err == nil || !strings.Contains(err.Error(), lockPath) {
		t.Fatalf("Commit error = %v, want one naming %s", err, lockPath)
	}

	head, err := a.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != first.Hash {
		t.Errorf("Head = %s, want %s", head.Hash, first.Hash)
	}
}

func TestCommitInterrupted(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	first, _ := mustCommit(t, a, baseFiles(), "first", t0)

	next := withFile(baseFiles(), "data/collectes.csv", []byte("changed\n"))
	opt, err := CommitOptions{Message: "second", When: t0.Add(time.Hour)}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}

	// Crash after the objects are durable but before main moves.
	base, err := a.baseCommit()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := buildTree(next)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := a.writeCommit(base, tree, opt)
	if err != nil {
		t.Fatalf("writeCommit: %v", err)
	}

	// Crash while writing objects: temporary files remain.
	w := newObjectWriter(a.Dir(), a.repo.Storer)
	if err := w.putBlob([]byte("never renamed")); err != nil {
		t.Fatal(err)
	}

	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	head, err := reopened.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != first.Hash {
		t.Errorf("Head after interruption = %s, want %s", head.Hash, first.Hash)
	}
	checkFsck(t, a.Dir())

	c, changed := mustCommit(t, reopened, next, "second", t0.Add(time.Hour))
	if !changed {
		t.Fatalf("changed = false, want true after the interrupted commit")
	}
	if c.Hash != orphan.String() {
		t.Errorf("retried commit = %s, want the interrupted one %s", c.Hash, orphan)
	}
	checkFsck(t, a.Dir())
}

func TestCommitReusesObjects(t *testing.T) {
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)
	before := countObjects(t, a.Dir())

	next := withFile(baseFiles(), "data/communes/zz/deep/x", []byte("changed\n"))
	mustCommit(t, a, next, "second", t0.Add(time.Hour))

	// One blob, five trees (deep, zz, communes, data and the root) and one
	// commit. The unchanged raw/ and meta/ subtrees are not rewritten.
	const want = 1 + 5 + 1
	if got := countObjects(t, a.Dir()) - before; got != want {
		t.Errorf("new objects = %d, want %d", got, want)
	}
}

func countObjects(tb testing.TB, dir string) int {
	tb.Helper()

	matches, err := filepath.Glob(filepath.Join(dir, "objects", "??", "*"))
	if err != nil {
		tb.Fatal(err)
	}

	return len(matches)
}

func TestCommitAfterGitGC(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	first, _ := mustCommit(t, a, baseFiles(), "first", t0)

	// gc packs every object and moves main into packed-refs.
	runGit(t, a.Dir(), "gc", "--quiet")
	if _, err := os.Stat(filepath.Join(a.Dir(), "refs/heads/main")); !os.IsNotExist(err) {
		t.Fatalf("loose ref still present after git gc: stat error = %v", err)
	}

	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	head, err := reopened.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != first.Hash {
		t.Errorf("Head = %s, want %s", head.Hash, first.Hash)
	}

	if _, changed := mustCommit(t, reopened, baseFiles(), "same", t0); changed {
		t.Errorf("changed = true, want false for packed identical files")
	}

	next := withFile(baseFiles(), "data/collectes.csv", []byte("changed\n"))
	second, _ := mustCommit(t, reopened, next, "second", t0.Add(time.Hour))

	if got := strings.TrimSpace(runGit(t, a.Dir(), "rev-parse", "main")); got != second.Hash {
		t.Errorf("git rev-parse main = %s, want %s", got, second.Hash)
	}
	if second.Parent != first.Hash {
		t.Errorf("Parent = %s, want %s", second.Parent, first.Hash)
	}

	got, err := reopened.Read(first.Hash, "")
	if err != nil {
		t.Fatalf("Read packed commit: %v", err)
	}
	assertFiles(t, got, baseFiles())

	checkFsck(t, a.Dir())
}
