package archive

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// dirNode is one directory of a tree built in memory from Files. After seal,
// entries and object hold the encoded git tree, so comparing and hashing
// trees needs no access to the object store.
type dirNode struct {
	blobs    map[string]plumbing.Hash
	children map[string]*dirNode
	entries  []object.TreeEntry
	object   *plumbing.MemoryObject
}

// newTree is the tree of one future commit: its root directory and the
// content of every blob, by hash.
type newTree struct {
	root     *dirNode
	contents map[plumbing.Hash][]byte
}

func newDirNode() *dirNode {
	return &dirNode{blobs: map[string]plumbing.Hash{}, children: map[string]*dirNode{}}
}

// buildTree hashes every file and encodes every directory of files.
func buildTree(files Files) (*newTree, error) {
	t := &newTree{root: newDirNode(), contents: map[plumbing.Hash][]byte{}}

	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	for _, p := range paths {
		if err := t.add(p, files[p]); err != nil {
			return nil, err
		}
	}

	if err := t.root.seal(); err != nil {
		return nil, err
	}

	return t, nil
}

func (t *newTree) add(path string, content []byte) error {
	parts, err := splitPath(path)
	if err != nil {
		return err
	}

	node := t.root
	for i, name := range parts[:len(parts)-1] {
		if _, isFile := node.blobs[name]; isFile {
			return fmt.Errorf("file path %q is invalid because %q is also a file, so rename one of them",
				path, strings.Join(parts[:i+1], "/"))
		}

		child, ok := node.children[name]
		if !ok {
			child = newDirNode()
			node.children[name] = child
		}
		node = child
	}

	name := parts[len(parts)-1]
	if _, isDir := node.children[name]; isDir {
		return fmt.Errorf("file path %q is also a directory of other files, so rename one of them", path)
	}

	hash := plumbing.ComputeHash(plumbing.BlobObject, content)
	node.blobs[name] = hash
	t.contents[hash] = content

	return nil
}

// splitPath checks that path is a clean relative slash path that git
// accepts in a tree, and returns its components.
func splitPath(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("file path is empty")
	}

	parts := strings.Split(path, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." {
			return nil, fmt.Errorf("file path %q is invalid: use relative slash-separated "+
				"names without empty, \".\" or \"..\" components", path)
		}
		if strings.EqualFold(part, ".git") || strings.ContainsRune(part, 0) {
			return nil, fmt.Errorf("file path %q is invalid: git rejects a .git "+
				"component or a NUL byte", path)
		}
	}

	return parts, nil
}

// seal encodes the node and its children as git tree objects.
func (n *dirNode) seal() error {
	n.entries = make([]object.TreeEntry, 0, len(n.blobs)+len(n.children))

	for name, hash := range n.blobs {
		n.entries = append(n.entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: hash})
	}

	for name, child := range n.children {
		if err := child.seal(); err != nil {
			return err
		}
		n.entries = append(n.entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: child.object.Hash()})
	}

	// Git orders entries by name, comparing a directory as if its name
	// ended with "/". TreeEntrySorter implements that rule.
	sort.Sort(object.TreeEntrySorter(n.entries))

	n.object = &plumbing.MemoryObject{}
	tree := &object.Tree{Entries: n.entries}
	if err := tree.Encode(n.object); err != nil {
		return fmt.Errorf("encode tree: %w", err)
	}

	return nil
}

// lookup returns the node of the directory at dir, or nil if it is missing.
func (n *dirNode) lookup(dir []string) *dirNode {
	node := n
	for _, name := range dir {
		node = node.children[name]
		if node == nil {
			return nil
		}
	}

	return node
}

// watchPrefix is a path prefix split into the directory it lies in and the
// start of the entry names it selects inside that directory: "data/" is
// (["data"], "") and "raw/page-" is (["raw"], "page-").
type watchPrefix struct {
	dir  []string
	name string
}

func parseWatch(prefixes []string) ([]watchPrefix, error) {
	if len(prefixes) == 0 {
		return []watchPrefix{{}}, nil
	}

	parsed := make([]watchPrefix, 0, len(prefixes))
	for _, p := range prefixes {
		w, err := parsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("watch prefix: %w", err)
		}
		parsed = append(parsed, w)
	}

	return parsed, nil
}

func parsePrefix(prefix string) (watchPrefix, error) {
	i := strings.LastIndex(prefix, "/")
	if i < 0 {
		return watchPrefix{name: prefix}, nil
	}

	dir, err := splitPath(prefix[:i])
	if err != nil {
		return watchPrefix{}, fmt.Errorf("prefix %q: %w", prefix, err)
	}

	return watchPrefix{dir: dir, name: prefix[i+1:]}, nil
}

// selectEntries returns the entries whose name starts with w.name.
func (w watchPrefix) selectEntries(entries []object.TreeEntry) []object.TreeEntry {
	var selected []object.TreeEntry
	for _, e := range entries {
		if strings.HasPrefix(e.Name, w.name) {
			selected = append(selected, e)
		}
	}

	return selected
}

// changedSince reports whether any path under the watch prefixes differs
// between the tree of the commit base and t. Equal entries mean equal
// subtrees, because a tree entry holds the hash of its whole subtree.
func (a *Archive) changedSince(base *object.Commit, t *newTree, watch []watchPrefix) (bool, error) {
	oldRoot, err := base.Tree()
	if err != nil {
		return false, fmt.Errorf("read tree of commit %s: %w", base.Hash, err)
	}

	for _, w := range watch {
		var newEntries []object.TreeEntry
		if node := t.root.lookup(w.dir); node != nil {
			newEntries = w.selectEntries(node.entries)
		}

		oldDir, err := a.subtree(oldRoot, w.dir)
		if err != nil {
			return false, err
		}

		var oldEntries []object.TreeEntry
		if oldDir != nil {
			oldEntries = w.selectEntries(oldDir.Entries)
		}

		if !slices.Equal(newEntries, oldEntries) {
			return true, nil
		}
	}

	return false, nil
}

// subtree returns the tree of directory dir inside root, or nil if missing.
func (a *Archive) subtree(root *object.Tree, dir []string) (*object.Tree, error) {
	tree := root
	for _, name := range dir {
		entry := findEntry(tree, name)
		if entry == nil || entry.Mode != filemode.Dir {
			return nil, nil
		}

		next, err := a.repo.TreeObject(entry.Hash)
		if err != nil {
			return nil, fmt.Errorf("read tree %s of directory %q: %w", entry.Hash, name, err)
		}
		tree = next
	}

	return tree, nil
}

func findEntry(tree *object.Tree, name string) *object.TreeEntry {
	for i := range tree.Entries {
		if tree.Entries[i].Name == name {
			return &tree.Entries[i]
		}
	}

	return nil
}
