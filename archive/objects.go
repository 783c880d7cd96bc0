package archive

import (
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
)

// newObject is an object that a commit adds to the store, with the object
// at the same path in the parent commit, if any, as the delta base to try.
type newObject struct {
	hash    plumbing.Hash
	typ     plumbing.ObjectType
	content []byte
	prev    plumbing.Hash
}

// objectWriter gathers the objects of one commit that the store lacks,
// and writes them all at once with flush.
type objectWriter struct {
	store   *objectStore
	pending map[plumbing.Hash]bool
	objects []newObject
}

func newObjectWriter(s *objectStore) *objectWriter {
	return &objectWriter{store: s, pending: map[plumbing.Hash]bool{}}
}

// put adds the object hash unless the store already has it. prev is the
// object at the same path in the parent commit, or the zero hash. content
// must stay unchanged until flush returns.
func (w *objectWriter) put(hash plumbing.Hash, typ plumbing.ObjectType, content []byte, prev plumbing.Hash) error {
	if w.pending[hash] {
		return nil
	}

	err := w.store.HasEncodedObject(hash)
	if err == nil {
		return nil
	}
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("look up object %s: %w", hash, err)
	}

	w.pending[hash] = true
	w.objects = append(w.objects, newObject{hash: hash, typ: typ, content: content, prev: prev})
	return nil
}

// putObject adds an encoded tree or commit.
func (w *objectWriter) putObject(obj *plumbing.MemoryObject, prev plumbing.Hash) error {
	r, err := obj.Reader()
	if err != nil {
		return err
	}
	content, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return w.put(obj.Hash(), obj.Type(), content, prev)
}

// flush makes every gathered object durable in the store.
func (w *objectWriter) flush() error {
	if err := w.store.writeObjects(w.objects); err != nil {
		return fmt.Errorf("write %d new objects: %w", len(w.objects), err)
	}
	w.objects = nil
	w.pending = map[plumbing.Hash]bool{}
	return nil
}
