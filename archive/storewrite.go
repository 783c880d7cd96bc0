package archive

import (
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// Storage layout. Each commit writes one pack: the tail (the largest pack
// under tailMaxBytes) copied whole, then the new objects. Each new object
// is a delta on the version of the same path in the parent commit when the
// tail holds that version. Once the tail reaches tailMaxBytes, the next
// commit starts a new one, and Maintain merges the full packs
// geometrically.
const (
	// tailMaxBytes bounds the pack that each commit copies. On the 2-core
	// benchmark machine, each MiB of tail adds about 5 ms to a commit (an
	// estimate). A larger tail stores each file whole less often, so the
	// archive is smaller (see BENCHMARKS.md, section 2).
	tailMaxBytes = 2 << 20

	// maxDeltaDepth bounds the deltas applied to read one object, as
	// git's --depth does (50 by default in git 2.39, for gc --aggressive
	// too), so that reading a file costs the same after any number of
	// commits.
	maxDeltaDepth = 50

	// minDeltaSize is the size under which an object is always stored
	// whole: a delta would save nothing.
	minDeltaSize = 64
)

// writeObjects makes objects durable in a new pack that also holds every
// entry of the tail, then removes the tail. The caller moves a branch to
// the new commit only after writeObjects returns.
func (s *objectStore) writeObjects(objects []newObject) error {
	if len(objects) == 0 {
		return nil
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	if err := s.refresh(false); err != nil {
		return err
	}
	tail := s.tailPack()

	name, offsets, err := s.writeTail(tail, objects)
	if err != nil {
		return err
	}

	// The tail's entries keep their offsets, so their cached content
	// stays valid in the new pack.
	id := s.newCacheID()
	if tail != nil {
		id = tail.cacheID
	}
	s.inherit[name] = id
	if tail != nil && tail.name != name {
		if err := removePack(s.packDir, tail.name); err != nil {
			return err
		}
	}
	if err := s.refresh(true); err != nil {
		return err
	}

	// The next read of HEAD and the next commit's deltas find them here.
	// The content of a blob belongs to the caller's Files, so it is copied.
	for i, obj := range objects {
		s.cache.put(cacheKey{id, offsets[i]}, obj.typ, slices.Clone(obj.content))
	}
	return nil
}

// tailPack returns the largest pack under the tail size that has no
// .keep file, or nil.
func (s *objectStore) tailPack() *pack {
	var tail *pack
	for _, p := range s.packs {
		if p.size < s.tailMax && !isKept(s.packDir, p.name) {
			tail = p
		}
	}
	return tail
}

// writeTail writes the entries of tail (which may be nil) and objects into
// a new pack. It returns the pack's name and the offset of each object.
func (s *objectStore) writeTail(tail *pack, objects []newObject) (plumbing.Hash, []uint64, error) {
	count := len(objects)
	if tail != nil {
		count += tail.idx.count
	}

	b, err := newPackBuilder(s.packDir, count)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	if tail != nil {
		if err := b.copyEntries(tail); err != nil {
			b.abort()
			return plumbing.ZeroHash, nil, err
		}
	}

	offsets := make([]uint64, len(objects))
	for i, obj := range objects {
		offsets[i] = b.offset
		if err := s.addObject(b, tail, obj); err != nil {
			b.abort()
			return plumbing.ZeroHash, nil, fmt.Errorf("write %s %s: %w", obj.typ, obj.hash, err)
		}
	}

	name, err := b.finish()
	return name, offsets, err
}

// addObject appends obj to b. It stores obj as a delta on obj.prev when
// deltaBase allows it and the delta is at most half the size of obj.
func (s *objectStore) addObject(b *packBuilder, tail *pack, obj newObject) error {
	base, baseOffset, ok, err := s.deltaBase(tail, obj)
	if err != nil {
		return err
	}
	if ok {
		delta := packfile.DiffDelta(base, obj.content)
		if len(delta) <= len(obj.content)/2 {
			return b.addDelta(obj.hash, baseOffset, delta)
		}
	}
	return b.addWhole(obj.hash, obj.typ, obj.content)
}

// deltaBase returns the content and offset of obj.prev in tail, when obj
// may be stored as a delta on it.
func (s *objectStore) deltaBase(tail *pack, obj newObject) ([]byte, uint64, bool, error) {
	if tail == nil || obj.prev.IsZero() || len(obj.content) < minDeltaSize {
		return nil, 0, false, nil
	}

	i, ok := tail.idx.find(obj.prev)
	if !ok {
		return nil, 0, false, nil
	}
	offset, err := tail.idx.offset(i)
	if err != nil {
		return nil, 0, false, err
	}

	depth, err := tail.depth(offset)
	if err != nil || depth+1 > maxDeltaDepth {
		return nil, 0, false, err
	}

	// A delta entry takes the type of its base, so a blob that replaced
	// a directory at the same path must not be a delta on its tree. And
	// go-git v5.19.3 rejects a delta on an empty base (PatchDelta).
	typ, base, err := s.reader.read(tail, offset, s.cache)
	if err != nil || typ != obj.typ || len(base) == 0 {
		return nil, 0, false, err
	}
	return base, offset, true, nil
}
