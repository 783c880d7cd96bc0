// Package archive stores trees of files as commits in a bare git repository
// and reads them back.
//
// The repository has a single branch, main, with HEAD pointing at it, so a
// plain `git clone DIR` checks it out. Commits are built directly in the
// object store (blobs, trees, commit) without a worktree, and refs/heads/main
// moves only after every object of the new commit is on disk.
package archive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Errors returned by Archive methods, wrapped with the value involved.
var (
	// ErrEmpty reports that main has no commit yet.
	ErrEmpty = errors.New("archive has no commit yet")

	// ErrNotFound reports a revision, commit or file that does not exist.
	ErrNotFound = errors.New("not found")

	// ErrAmbiguous reports an abbreviated hash that matches several commits.
	ErrAmbiguous = errors.New("ambiguous revision")

	// ErrConflict reports that main moved while Commit was running, because
	// another writer committed in between. Nothing was lost: retry the commit.
	ErrConflict = errors.New("main moved during commit")
)

// mainBranch is the only branch the archive writes and reads.
const mainBranch = plumbing.ReferenceName("refs/heads/main")

// Files maps slash-separated paths ("data/schedule.csv") to file contents.
type Files map[string][]byte

// Signature is the name and email of a commit author or committer.
type Signature struct {
	Name  string
	Email string
}

// Commit describes one commit on main.
type Commit struct {
	// Hash is the full 40-digit hexadecimal commit hash.
	Hash string

	// When is the committer time, in the zone stored in the commit.
	When time.Time

	// Subject is the first line of the message.
	Subject string

	// Message is the full commit message without its final newline.
	Message string

	// Parent is the hash of the first parent, or "" for the first commit.
	Parent string
}

// Archive is a bare git repository holding one tree of files per commit.
// Methods may be called from several goroutines at once: they take turns,
// because go-git's repository is not safe for concurrent use. Use Lock to
// serialize writers across processes.
type Archive struct {
	dir   string
	repo  *git.Repository
	store *objectStore

	mu sync.Mutex
}

// enter takes the archive's mutex and reads the pack directory again when
// another process changed it, so that objects it packed or merged stay
// readable. It returns the unlock func.
func (a *Archive) enter() func() {
	a.mu.Lock()

	a.store.mu.Lock()
	// An error here comes back from the read that needs the packs.
	_ = a.store.refresh(false)
	a.store.mu.Unlock()

	return a.mu.Unlock
}

// Open opens the bare git repository in dir, creating it with branch main
// when dir is missing or empty. It fails when dir exists but is not a bare
// git repository.
func Open(dir string) (*Archive, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}

	empty, err := isMissingOrEmpty(abs)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", abs, err)
	}

	if empty {
		return create(abs)
	}

	return openExisting(abs)
}

// Dir returns the absolute path of the repository directory.
func (a *Archive) Dir() string {
	return a.dir
}

func isMissingOrEmpty(dir string) (bool, error) {
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}

	if !info.IsDir() {
		return false, errors.New("path is a file, not a directory, so pass a directory path")
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}

	return len(entries) == 0, nil
}

// create initializes a bare repository whose HEAD points at main.
// NOTE: initialization is not atomic. A crash during it leaves a partial
// directory that Open then rejects as not a git repository.
func create(dir string) (*Archive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create archive %s: %w", dir, err)
	}

	opts := &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: mainBranch},
		Bare:        true,
	}

	if _, err := git.PlainInitWithOptions(dir, opts); err != nil {
		return nil, fmt.Errorf("create archive %s: init bare repository: %w", dir, err)
	}

	return openRepository(dir)
}

func openExisting(dir string) (*Archive, error) {
	if _, err := os.Stat(filepath.Join(dir, git.GitDirName)); err == nil {
		return nil, fmt.Errorf("open archive %s: directory has a worktree (.git), "+
			"but the archive must be a bare repository: pass a new directory "+
			"or a bare clone (git clone --bare)", dir)
	}

	a, err := openRepository(dir)
	if err != nil {
		return nil, err
	}

	if err := checkHead(a.repo, dir); err != nil {
		return nil, err
	}

	return a, nil
}

// openRepository opens the repository in dir through the archive's own
// object storage. The packs it opens are closed once the Archive is
// garbage collected.
func openRepository(dir string) (*Archive, error) {
	store, err := newObjectStore(dir)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}

	repo, err := git.Open(store, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		_ = store.close()
		return nil, fmt.Errorf("open archive %s: directory is not empty and is not "+
			"a git repository: pass an empty or missing directory to create an "+
			"archive, or the path of an existing one", dir)
	}
	if err != nil {
		_ = store.close()
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}

	a := &Archive{dir: dir, repo: repo, store: store}
	runtime.AddCleanup(a, func(s *objectStore) { _ = s.close() }, store)
	return a, nil
}

// checkHead rejects a repository whose HEAD is not main, because clones
// would then check out a branch that the archive never writes.
func checkHead(repo *git.Repository, dir string) error {
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("open archive %s: read HEAD: %w", dir, err)
	}

	if head.Type() != plumbing.SymbolicReference || head.Target() != mainBranch {
		return fmt.Errorf("open archive %s: HEAD is %s, expected ref: %s, "+
			"so run git symbolic-ref HEAD %s in that directory",
			dir, head.String(), mainBranch, mainBranch)
	}

	return nil
}
