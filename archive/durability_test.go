package archive

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
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

// TestCrashWhileWritingPack stops a commit and a merge of packs at each
// step of writing a pack, as a SIGKILL or a power cut would. It checks
// what git, go-git and the archive read, then again after the next writer
// takes the lock and carries on.
func TestCrashWhileWritingPack(t *testing.T) {
	requireGit(t)
	operations := []struct {
		name    string
		tailMax int64 // tail size of the archive, small to get several packs
		run     func(a *Archive) error
	}{
		{"commit", tailMaxBytes, func(a *Archive) error {
			_, _, err := a.Commit(withFile(baseFiles(), "data/collectes.csv", []byte("changed\n")),
				CommitOptions{Message: "changed", When: t0.Add(time.Hour)})
			return err
		}},
		{"merge", 1 << 10, func(a *Archive) error {
			_, err := a.Pack(true)
			return err
		}},
	}
	steps := []struct {
		step      string
		leftovers int // files that the next writer removes
	}{
		{"pack written", 2},    // tmp_pack_* and tmp_idx_*
		{"index installed", 2}, // pack-*.idx without its pack, and tmp_pack_*
		{"pack installed", 0},  // the new pack beside the packs it replaces
	}
	for _, op := range operations {
		for _, tt := range steps {
			t.Run(op.name+"/"+tt.step, func(t *testing.T) {
				a := mustOpen(t)
				a.store.tailMax = op.tailMax
				hashes := commitVersions(t, a, 10, false)
				head := hashes[len(hashes)-1]

				crashAt(t, tt.step, func() { _ = op.run(a) })

				if got := len(leftoverFiles(t, a.Dir())); got != tt.leftovers {
					t.Errorf("files left by the crash = %d, want %d", got, tt.leftovers)
				}
				checkReaders(t, a.Dir(), head)

				recoverAndCheck(t, a.Dir(), hashes, op.run)
			})
		}
	}
}

// recoverAndCheck opens the archive in dir as the next writer does, runs
// the interrupted operation again and checks that every commit of hashes
// reads back, with nothing left over.
func recoverAndCheck(t *testing.T, dir string, hashes []string, run func(*Archive) error) {
	t.Helper()

	a, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer unlock()
	if left := leftoverFiles(t, dir); len(left) != 0 {
		t.Errorf("files left after Lock: %q", left)
	}

	if err := run(a); err != nil {
		t.Fatalf("operation after the crash: %v", err)
	}
	if _, err := a.Pack(true); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if packs := packFiles(t, dir); len(packs) != 1 {
		t.Errorf("packs after Pack(true) = %d, want 1", len(packs))
	}
	checkVersions(t, a, hashes)

	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	checkReaders(t, dir, head.Hash)
}

// crashAt runs operation with crashHook panicking at step, and fails
// unless it panicked there.
func crashAt(t *testing.T, step string, operation func()) {
	t.Helper()

	crashed := false
	crashHook = func(at string) {
		if at == step {
			crashed = true
			panic("crash at " + at)
		}
	}
	defer func() { crashHook = nil }()

	func() {
		defer func() { _ = recover() }()
		operation()
	}()
	if !crashed {
		t.Fatalf("the operation never reached step %q", step)
	}
}

// leftoverFiles returns the temporary files in objects/pack and the
// indexes whose pack is missing.
func leftoverFiles(t *testing.T, dir string) []string {
	t.Helper()

	packDir := filepath.Join(dir, "objects", "pack")
	temps, err := filepath.Glob(filepath.Join(packDir, "tmp_*"))
	if err != nil {
		t.Fatal(err)
	}
	orphans, err := orphanPackFiles(packDir)
	if err != nil {
		t.Fatal(err)
	}
	return append(temps, orphans...)
}

func packFiles(t *testing.T, dir string) []string {
	t.Helper()

	packs, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.pack"))
	if err != nil {
		t.Fatal(err)
	}
	return packs
}

// checkReaders checks that git, go-git's own storage and a new Archive all
// read the repository in dir and see main at want.
func checkReaders(t *testing.T, dir, want string) {
	t.Helper()

	checkFsck(t, dir)
	if got := strings.TrimSpace(runGit(t, dir, "rev-parse", "main")); got != want {
		t.Errorf("git rev-parse main = %s, want %s", got, want)
	}
	runGit(t, dir, "ls-tree", "-r", "main")

	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatalf("go-git PlainOpen: %v", err)
	}
	commit, err := repo.CommitObject(plumbing.NewHash(want))
	if err != nil {
		t.Fatalf("go-git CommitObject %s: %v", want, err)
	}
	if _, err := commit.Files(); err != nil {
		t.Errorf("go-git Files of %s: %v", want, err)
	}

	a, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if problems, err := a.Check(); err != nil || len(problems) > 0 {
		t.Errorf("Check = %q, %v; want no problem", problems, err)
	}
}

func TestCommitReusesObjects(t *testing.T) {
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)
	before := countObjects(t, a)

	next := withFile(baseFiles(), "data/communes/zz/deep/x", []byte("changed\n"))
	mustCommit(t, a, next, "second", t0.Add(time.Hour))

	// One blob, five trees (deep, zz, communes, data and the root) and one
	// commit. The unchanged raw/ and meta/ subtrees are not rewritten.
	const want = 1 + 5 + 1
	if got := countObjects(t, a) - before; got != want {
		t.Errorf("new objects = %d, want %d", got, want)
	}
}

// countObjects returns the number of distinct objects in the archive.
func countObjects(tb testing.TB, a *Archive) int {
	tb.Helper()

	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	hashes, err := a.store.allHashes()
	if err != nil {
		tb.Fatal(err)
	}
	return len(hashes)
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

// TestPackWithoutIndex shows why install renames the index before the
// pack: with a pack lacking its index, git ignores the pack and the
// archive skips it, but go-git v5.19.3 reads no object at all.
func TestPackWithoutIndex(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	hashes := commitVersions(t, a, 3, false)
	head := hashes[len(hashes)-1]

	data, err := os.ReadFile(packFiles(t, a.Dir())[0])
	if err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(a.Dir(), "objects", "pack", "pack-0123456789abcdef0123456789abcdef01234567.pack")
	if err := os.WriteFile(stray, data, 0o444); err != nil {
		t.Fatal(err)
	}

	checkFsck(t, a.Dir())
	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, reopened, hashes)

	repo, err := git.PlainOpen(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CommitObject(plumbing.NewHash(head)); err == nil {
		t.Error("go-git read a commit beside a pack without index; install could rename the pack first")
	}
}
