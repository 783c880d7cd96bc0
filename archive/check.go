package archive

import (
	"fmt"
	"io"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// Check walks every object reachable from the branches of the archive and
// checks that each one exists, decodes, and has the content its hash says.
// It returns one problem per fault found, an empty list when the
// repository is consistent, and an error only when it cannot be read at
// all. git fsck does the same for a repository copied elsewhere.
func (a *Archive) Check() ([]string, error) {
	defer a.enter()()

	refs, err := a.repo.Storer.IterReferences()
	if err != nil {
		return nil, fmt.Errorf("list refs of %s: %w", a.dir, err)
	}
	c := &checker{a: a, seen: map[plumbing.Hash]bool{}}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && ref.Name().IsBranch() {
			c.commitChain(ref.Name().String(), ref.Hash())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(c.problems)
	return c.problems, nil
}

type checker struct {
	a        *Archive
	seen     map[plumbing.Hash]bool
	problems []string
}

func (c *checker) problem(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// commitChain checks the commits reachable from hash by first parents, the
// only history the archive writes.
func (c *checker) commitChain(ref string, hash plumbing.Hash) {
	for !hash.IsZero() && !c.seen[hash] {
		c.seen[hash] = true
		if !c.object(hash, plumbing.CommitObject) {
			c.problem("%s: commit %s is missing or corrupt", ref, hash)
			return
		}
		commit, err := c.a.repo.CommitObject(hash)
		if err != nil {
			c.problem("%s: commit %s does not decode: %v", ref, hash, err)
			return
		}
		c.tree(commit.TreeHash, "commit "+hash.String(), "")

		hash = plumbing.ZeroHash
		if len(commit.ParentHashes) > 0 {
			hash = commit.ParentHashes[0]
		}
	}
}

// tree checks the tree at path dir ("" for the root, else ending in "/")
// of the commit that where names, and the trees and blobs under it.
func (c *checker) tree(hash plumbing.Hash, where, dir string) {
	if c.seen[hash] {
		return
	}
	c.seen[hash] = true
	if !c.object(hash, plumbing.TreeObject) {
		c.problem("%s: tree %s%s is missing or corrupt", where, hash, treePath(dir))
		return
	}
	tree, err := c.a.repo.TreeObject(hash)
	if err != nil {
		c.problem("%s: tree %s%s does not decode: %v", where, hash, treePath(dir), err)
		return
	}
	for _, e := range tree.Entries {
		if e.Mode.IsFile() {
			if !c.seen[e.Hash] {
				c.seen[e.Hash] = true
				if !c.object(e.Hash, plumbing.BlobObject) {
					c.problem("%s: blob %s of %s is missing or corrupt", where, e.Hash, dir+e.Name)
				}
			}
			continue
		}
		c.tree(e.Hash, where, dir+e.Name+"/")
	}
}

// treePath names the directory of a tree in a problem, nothing for the root.
func treePath(dir string) string {
	if dir == "" {
		return ""
	}
	return " of " + dir
}

// object reads the object fully and recomputes its hash.
func (c *checker) object(hash plumbing.Hash, want plumbing.ObjectType) bool {
	obj, err := c.a.repo.Storer.EncodedObject(want, hash)
	if err != nil {
		return false
	}
	r, err := obj.Reader()
	if err != nil {
		return false
	}
	defer r.Close()

	h := plumbing.NewHasher(obj.Type(), obj.Size())
	if _, err := io.Copy(h, r); err != nil {
		return false
	}
	return h.Sum() == hash
}
