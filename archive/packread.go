package archive

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// maxChain bounds the delta chains that reading follows, so that a corrupt
// pack whose REF_DELTA entries form a cycle fails instead of looping. The
// archive writes chains of at most maxDeltaDepth.
const maxChain = 10000

// maxObjectSize bounds the inflated size that reading allocates for one
// entry, so that a corrupt size field fails instead of exhausting memory.
const maxObjectSize = 1 << 32

// pack is one pack file of the archive with its index, both open for
// reading until close.
type pack struct {
	name    plumbing.Hash // the pack checksum, which names pack-<name>.pack
	cacheID uint64
	file    *os.File
	size    int64
	modTime time.Time
	idx     *packIndex
}

func packPath(dir string, name plumbing.Hash, ext string) string {
	return filepath.Join(dir, "pack-"+name.String()+ext)
}

// openPack opens pack-<name>.pack and its index in the pack directory dir
// and checks that they belong together.
func openPack(dir string, name plumbing.Hash, cacheID uint64) (*pack, error) {
	idx, err := openPackIndex(packPath(dir, name, ".idx"))
	if err != nil {
		return nil, err
	}
	if idx.packChecksum() != name {
		_ = idx.close()
		return nil, fmt.Errorf("pack index of %s names pack %s", name, idx.packChecksum())
	}

	f, err := os.Open(packPath(dir, name, ".pack"))
	if err != nil {
		_ = idx.close()
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = idx.close()
		_ = f.Close()
		return nil, err
	}
	if info.Size() < packHeaderSize+packTrailerSize {
		_ = idx.close()
		_ = f.Close()
		return nil, fmt.Errorf("pack %s is truncated: %d bytes", name, info.Size())
	}

	return &pack{name: name, cacheID: cacheID, file: f, size: info.Size(), modTime: info.ModTime(), idx: idx}, nil
}

func (p *pack) close() error {
	return errors.Join(p.idx.close(), p.file.Close())
}

// header reads the entry header at offset.
func (p *pack) header(offset uint64) (entryHeader, error) {
	end := uint64(p.size - packTrailerSize)
	if offset < packHeaderSize || offset >= end {
		return entryHeader{}, fmt.Errorf("pack %s: entry offset %d is out of range", p.name, offset)
	}

	var buf [maxEntryHeader]byte
	n, err := p.file.ReadAt(buf[:min(uint64(len(buf)), end-offset)], int64(offset))
	if err != nil && !errors.Is(err, io.EOF) {
		return entryHeader{}, err
	}

	h, err := parseEntryHeader(buf[:n], offset)
	if err != nil {
		return h, fmt.Errorf("pack %s: %w", p.name, err)
	}
	return h, nil
}

// depth returns the number of deltas between the entry at offset and the
// whole object at the root of its chain.
func (p *pack) depth(offset uint64) (int, error) {
	for depth := 0; depth < maxChain; depth++ {
		h, err := p.header(offset)
		if err != nil {
			return 0, err
		}
		if !h.isDelta() {
			return depth, nil
		}
		if offset, err = p.baseOffset(h); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("pack %s: delta chain longer than %d", p.name, maxChain)
}

// baseOffset returns the offset of the base of a delta entry.
func (p *pack) baseOffset(h entryHeader) (uint64, error) {
	if h.typ == plumbing.OFSDeltaObject {
		return h.baseOffset, nil
	}

	i, ok := p.idx.find(h.baseName)
	if !ok {
		return 0, fmt.Errorf("pack %s: delta base %s is not in the pack", p.name, h.baseName)
	}
	return p.idx.offset(i)
}

// packReader inflates pack entries, reusing its buffers between entries.
type packReader struct {
	buffered *bufio.Reader
	inflater io.ReadCloser
}

// inflate returns the zlib data of the entry at offset with header h.
func (r *packReader) inflate(p *pack, offset uint64, h entryHeader) ([]byte, error) {
	if h.size > maxObjectSize {
		return nil, fmt.Errorf("pack %s: entry at %d claims %d bytes", p.name, offset, h.size)
	}

	start := int64(offset) + int64(h.length)
	section := io.NewSectionReader(p.file, start, p.size-packTrailerSize-start)
	if r.buffered == nil {
		r.buffered = bufio.NewReaderSize(section, 16<<10)
	} else {
		r.buffered.Reset(section)
	}

	if err := r.resetInflater(); err != nil {
		return nil, fmt.Errorf("pack %s: inflate entry at %d: %w", p.name, offset, err)
	}

	content := make([]byte, h.size)
	if _, err := io.ReadFull(r.inflater, content); err != nil {
		return nil, fmt.Errorf("pack %s: inflate entry at %d: %w", p.name, offset, err)
	}

	// Reading past the end checks the zlib checksum, and that the data is
	// no longer than the entry header declares.
	var extra [1]byte
	if n, err := r.inflater.Read(extra[:]); n != 0 || !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("pack %s: entry at %d does not end after %d bytes: %v", p.name, offset, h.size, err)
	}
	return content, nil
}

func (r *packReader) resetInflater() error {
	if r.inflater == nil {
		zr, err := zlib.NewReader(r.buffered)
		r.inflater = zr
		return err
	}
	return r.inflater.(zlib.Resetter).Reset(r.buffered, nil)
}

// chainStep is one delta entry on the way from a wanted entry to a base
// whose content is known.
type chainStep struct {
	offset uint64
	header entryHeader
}

// read returns the type and content of the entry at offset, resolving
// deltas. Every entry resolved on the way goes into cache, so that reading
// the next version of a file applies one delta instead of the whole chain.
func (r *packReader) read(p *pack, offset uint64, cache *objectCache) (plumbing.ObjectType, []byte, error) {
	var steps []chainStep
	for len(steps) < maxChain {
		key := cacheKey{p.cacheID, offset}
		if obj, ok := cache.get(key); ok {
			return r.applyChain(p, steps, obj.typ, obj.content, cache)
		}

		h, err := p.header(offset)
		if err != nil {
			return 0, nil, err
		}
		if !h.isDelta() {
			content, err := r.inflate(p, offset, h)
			if err != nil {
				return 0, nil, err
			}
			cache.put(key, h.typ, content)
			return r.applyChain(p, steps, h.typ, content, cache)
		}

		steps = append(steps, chainStep{offset, h})
		if offset, err = p.baseOffset(h); err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, fmt.Errorf("pack %s: delta chain longer than %d", p.name, maxChain)
}

// applyChain applies the deltas of steps, the last one first, to base.
func (r *packReader) applyChain(p *pack, steps []chainStep, typ plumbing.ObjectType, base []byte, cache *objectCache) (plumbing.ObjectType, []byte, error) {
	content := base
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		delta, err := r.inflate(p, s.offset, s.header)
		if err != nil {
			return 0, nil, err
		}

		content, err = packfile.PatchDelta(content, delta)
		if err != nil {
			return 0, nil, fmt.Errorf("pack %s: apply delta at %d: %w", p.name, s.offset, err)
		}
		cache.put(cacheKey{p.cacheID, s.offset}, typ, content)
	}
	return typ, content, nil
}

// packVerifier hashes a pack as it is read, from its header to the end
// of its last entry, so that a copy of the pack can be checked against
// the pack's trailer before the pack is removed.
type packVerifier struct {
	pack *pack
	sum  hash.Hash
}

// newPackVerifier reads the header of p into a new verifier. The caller
// then reads the body through v.reader, from the end of the header to the
// start of the trailer, in order.
func newPackVerifier(p *pack) (*packVerifier, error) {
	v := &packVerifier{pack: p, sum: sha1.New()}

	header := make([]byte, packHeaderSize)
	if _, err := p.file.ReadAt(header, 0); err != nil {
		return nil, fmt.Errorf("read header of pack %s: %w", p.name, err)
	}
	v.sum.Write(header)
	return v, nil
}

func (v *packVerifier) reader(body io.Reader) io.Reader {
	return io.TeeReader(body, v.sum)
}

// verify compares the hash of what was read with the pack's trailer.
func (v *packVerifier) verify() error {
	trailer := make([]byte, packTrailerSize)
	if _, err := v.pack.file.ReadAt(trailer, v.pack.size-packTrailerSize); err != nil {
		return fmt.Errorf("read trailer of pack %s: %w", v.pack.name, err)
	}

	if !bytes.Equal(v.sum.Sum(nil), trailer) {
		return fmt.Errorf("pack %s is corrupt: its content does not match its checksum, "+
			"so it was left in place; run git fsck --full in the archive and restore "+
			"the pack from a clone or a backup", v.pack.name)
	}
	return nil
}
