package archive

import (
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Read returns the files of the commit with the full hash whose path starts
// with prefix ("" selects every file, "data/" the directory data). A prefix
// that matches no path gives an empty Files and no error.
func (a *Archive) Read(hash string, prefix string) (Files, error) {
	defer a.enter()()

	root, err := a.commitTree(hash)
	if err != nil {
		return nil, err
	}

	w, err := parsePrefix(prefix)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hash, err)
	}

	dir, err := a.subtree(root, w.dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hash, err)
	}
	if dir == nil {
		return Files{}, nil
	}

	files := Files{}
	base := path.Join(w.dir...)
	for _, e := range w.selectEntries(dir.Entries) {
		if err := a.collect(files, path.Join(base, e.Name), e); err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", e.Name, hash, err)
		}
	}

	return files, nil
}

// collect adds the file at entry, or every file below it, to files.
func (a *Archive) collect(files Files, name string, entry object.TreeEntry) error {
	if entry.Mode != filemode.Dir {
		content, err := a.readBlob(entry.Hash)
		files[name] = content
		return err
	}

	tree, err := a.repo.TreeObject(entry.Hash)
	if err != nil {
		return err
	}

	return tree.Files().ForEach(func(f *object.File) error {
		content, err := a.readBlob(f.Hash)
		files[path.Join(name, f.Name)] = content
		return err
	})
}

// ReadFile returns the content of the file at path in the commit with the
// full hash, or ErrNotFound when the commit has no such file.
func (a *Archive) ReadFile(hash, path string) ([]byte, error) {
	defer a.enter()()

	root, err := a.commitTree(hash)
	if err != nil {
		return nil, err
	}

	entry, err := root.FindEntry(path)
	notFound := errors.Is(err, object.ErrEntryNotFound) ||
		errors.Is(err, object.ErrDirectoryNotFound)
	if notFound || (err == nil && entry.Mode == filemode.Dir) {
		return nil, fmt.Errorf("read %s at %s: %w: no such file in that commit",
			path, hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, hash, err)
	}

	content, err := a.readBlob(entry.Hash)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, hash, err)
	}

	return content, nil
}

func (a *Archive) readBlob(hash plumbing.Hash) ([]byte, error) {
	blob, err := a.repo.BlobObject(hash)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, err)
	}

	r, err := blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, err)
	}
	defer r.Close()

	return io.ReadAll(r)
}
