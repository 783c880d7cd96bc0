package archive

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// defaultAuthor is the author of commits whose options name none.
var defaultAuthor = Signature{Name: "collecte", Email: "collecte@localhost"}

// CommitOptions describes the commit that Commit makes.
type CommitOptions struct {
	// Message is the commit message, which must not be blank. A final newline
	// is added when missing, as git does.
	Message string

	// Author defaults to {"collecte", "collecte@localhost"}.
	Author Signature

	// Committer defaults to Author.
	Committer Signature

	// When is the author and committer time, stored with its zone offset
	// (a time in America/Martinique is stored as -0400). Git keeps whole
	// seconds. The zero value means time.Now().
	When time.Time

	// Watch lists the path prefixes, such as "data/", that decide whether
	// anything changed: when no path starting with one of them differs from
	// main, Commit makes no commit. A prefix is a plain string prefix, so
	// "data" also selects "datapackage.json". Empty means the whole tree.
	Watch []string
}

func (o CommitOptions) withDefaults() (CommitOptions, error) {
	if strings.TrimSpace(o.Message) == "" {
		return o, fmt.Errorf("commit message is blank, so pass a message")
	}
	o.Message = strings.TrimRight(o.Message, "\n") + "\n"

	if o.Author == (Signature{}) {
		o.Author = defaultAuthor
	}
	if o.Committer == (Signature{}) {
		o.Committer = o.Author
	}

	if err := validateSignature("author", o.Author); err != nil {
		return o, err
	}
	if err := validateSignature("committer", o.Committer); err != nil {
		return o, err
	}

	if o.When.IsZero() {
		o.When = time.Now()
	}

	return o, nil
}

// Changed reports whether Commit would make a commit of files with these
// watch prefixes: true when main has no commit yet, or when some path under
// watch differs from the tree of main.
func (a *Archive) Changed(files Files, watch []string) (bool, error) {
	defer a.enter()()

	prefixes, err := parseWatch(watch)
	if err != nil {
		return false, err
	}

	tree, err := buildTree(files)
	if err != nil {
		return false, err
	}

	base, err := a.baseCommit()
	if err != nil {
		return false, err
	}
	if base == nil {
		return true, nil
	}

	return a.changedSince(base, tree, prefixes)
}

// Commit makes a commit on main whose tree holds exactly files: a path
// missing from files is missing from the commit. When nothing under
// opt.Watch differs from main, Commit writes nothing and returns the
// current head with changed false. The first commit always happens.
//
// Equal files and options give an equal commit hash. Commit fails with
// ErrConflict if another writer moved main while it ran.
func (a *Archive) Commit(files Files, opt CommitOptions) (c *Commit, changed bool, err error) {
	defer a.enter()()

	return a.commitBranch(mainBranch, files, opt)
}

func (a *Archive) commitBranch(branch plumbing.ReferenceName, files Files, opt CommitOptions) (*Commit, bool, error) {
	base, err := a.branchCommit(branch)
	if err != nil {
		return nil, false, err
	}

	return a.commitOnto(branch, base, files, opt)
}

// baseCommit returns the commit at main, or nil when there is none.
func (a *Archive) baseCommit() (*object.Commit, error) {
	return a.branchCommit(mainBranch)
}

// branchCommit returns the commit at branch, or nil when there is none.
func (a *Archive) branchCommit(branch plumbing.ReferenceName) (*object.Commit, error) {
	hash, err := a.refHash(branch)
	if err != nil || hash.IsZero() {
		return nil, err
	}

	base, err := a.repo.CommitObject(hash)
	if err != nil {
		return nil, fmt.Errorf("read commit %s at %s: %w", hash, branch, err)
	}

	return base, nil
}

// commitOnto commits files on top of base (nil for the first commit) and
// moves branch to the new commit.
func (a *Archive) commitOnto(branch plumbing.ReferenceName, base *object.Commit, files Files, opt CommitOptions) (*Commit, bool, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, false, err
	}

	prefixes, err := parseWatch(opt.Watch)
	if err != nil {
		return nil, false, err
	}

	tree, err := buildTree(files)
	if err != nil {
		return nil, false, err
	}

	if base != nil {
		changed, err := a.changedSince(base, tree, prefixes)
		if err != nil {
			return nil, false, err
		}
		if !changed {
			c, err := a.commitInfo(base.Hash)
			return c, false, err
		}
	}

	hash, err := a.writeCommit(base, tree, opt)
	if err != nil {
		return nil, false, err
	}

	if err := a.updateRef(branch, baseHash(base), hash); err != nil {
		return nil, false, err
	}

	c, err := a.commitInfo(hash)
	return c, true, err
}

// writeCommit writes the objects of tree missing from the store and the
// commit object, makes them durable, and returns the commit hash. It does
// not move main.
func (a *Archive) writeCommit(base *object.Commit, tree *newTree, opt CommitOptions) (plumbing.Hash, error) {
	w := newObjectWriter(a.store)

	var oldRoot plumbing.Hash
	if base != nil {
		oldRoot = base.TreeHash
	}

	if err := a.writeTree(w, tree, tree.root, oldRoot); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree: %w", err)
	}

	obj, err := encodeCommit(base, tree.root.object.Hash(), opt)
	if err != nil {
		return plumbing.ZeroHash, err
	}

	if err := w.putObject(obj, plumbing.ZeroHash); err != nil {
		return plumbing.ZeroHash, err
	}

	if err := w.flush(); err != nil {
		return plumbing.ZeroHash, err
	}

	return obj.Hash(), nil
}

// writeTree writes node and what it holds, skipping every entry equal to the
// entry at the same path in the old tree: that one is already reachable from
// main, so unchanged subtrees are neither written nor walked.
func (a *Archive) writeTree(w *objectWriter, t *newTree, node *dirNode, oldHash plumbing.Hash) error {
	if node.object.Hash() == oldHash {
		return nil
	}

	old, err := a.oldEntries(oldHash)
	if err != nil {
		return err
	}

	for _, e := range node.entries {
		prev, ok := old[e.Name]
		if ok && prev == e {
			continue
		}

		if err := a.writeEntry(w, t, node, e, prev); err != nil {
			return err
		}
	}

	return w.putObject(node.object, oldHash)
}

func (a *Archive) writeEntry(w *objectWriter, t *newTree, node *dirNode, e, prev object.TreeEntry) error {
	if e.Mode != filemode.Dir {
		return w.put(e.Hash, plumbing.BlobObject, t.contents[e.Hash], prev.Hash)
	}

	var prevTree plumbing.Hash
	if prev.Mode == filemode.Dir {
		prevTree = prev.Hash
	}

	return a.writeTree(w, t, node.children[e.Name], prevTree)
}

// oldEntries returns the entries of the tree oldHash by name (none for the
// zero hash).
func (a *Archive) oldEntries(oldHash plumbing.Hash) (map[string]object.TreeEntry, error) {
	entries := map[string]object.TreeEntry{}
	if oldHash.IsZero() {
		return entries, nil
	}

	tree, err := a.repo.TreeObject(oldHash)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", oldHash, err)
	}

	for _, e := range tree.Entries {
		entries[e.Name] = e
	}

	return entries, nil
}

func encodeCommit(base *object.Commit, tree plumbing.Hash, opt CommitOptions) (*plumbing.MemoryObject, error) {
	when := opt.When.Truncate(time.Second)
	commit := &object.Commit{
		Author:    object.Signature{Name: opt.Author.Name, Email: opt.Author.Email, When: when},
		Committer: object.Signature{Name: opt.Committer.Name, Email: opt.Committer.Email, When: when},
		Message:   opt.Message,
		TreeHash:  tree,
	}
	if base != nil {
		commit.ParentHashes = []plumbing.Hash{base.Hash}
	}

	obj := &plumbing.MemoryObject{}
	if err := commit.Encode(obj); err != nil {
		return nil, fmt.Errorf("encode commit: %w", err)
	}

	return obj, nil
}

func baseHash(base *object.Commit) plumbing.Hash {
	if base == nil {
		return plumbing.ZeroHash
	}

	return base.Hash
}

// validateSignature rejects characters that would break the "name <email>"
// line of a commit header.
func validateSignature(role string, s Signature) error {
	if strings.ContainsAny(s.Name, "<>\n") || strings.ContainsAny(s.Email, "<>\n") {
		return fmt.Errorf("commit %s %q <%s> is invalid: name and email must not "+
			"contain '<', '>' or a newline", role, s.Name, s.Email)
	}

	return nil
}
