package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// Layout of a version 2 pack index, as gitformat-pack(5) of git 2.39
// describes it. A magic number and the version come first, then a fanout
// table of 256 counts. For n objects follow the sorted names, the CRC-32
// of each entry and its 4-byte offset. An offset with the high bit set is
// an index into the table of 8-byte offsets that follows. The pack
// checksum and the index checksum end the file.
const (
	idxHeaderSize  = 8
	idxFanoutSize  = 256 * 4
	idxTablesStart = idxHeaderSize + idxFanoutSize
	idxTrailerSize = 2 * hashSize
	hashSize       = 20
)

var idxMagic = []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}

// packIndex reads a version 2 pack index mapped into memory, as git does:
// the file stays in the page cache instead of the heap, so a daemon's heap
// does not grow with the number of archived objects. Files are never
// changed in place (a new index is renamed over nothing), so the mapping
// stays valid until close.
type packIndex struct {
	data  []byte
	count int
	large int // number of 8-byte offsets
}

// openPackIndex maps the index file at path and checks its layout.
func openPackIndex(path string) (*packIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := info.Size()
	if size < idxTablesStart+idxTrailerSize || size > 1<<40 {
		return nil, fmt.Errorf("pack index %s is invalid: %d bytes", path, size)
	}

	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map pack index %s: %w", path, err)
	}

	idx := &packIndex{data: data}
	if err := idx.validate(); err != nil {
		_ = idx.close()
		return nil, fmt.Errorf("pack index %s is invalid: %w", path, err)
	}
	return idx, nil
}

// validate checks the header, the fanout table and the file size that the
// object count implies, so that later reads stay inside the mapping.
func (x *packIndex) validate() error {
	if !bytes.Equal(x.data[:idxHeaderSize], idxMagic) {
		return errors.New("not a version 2 pack index, the only version read: " +
			"rewrite the packs with git -c pack.indexVersion=2 repack -a -d in the archive")
	}

	prev := uint32(0)
	for i := range 256 {
		n := binary.BigEndian.Uint32(x.data[idxHeaderSize+4*i:])
		if n < prev {
			return errors.New("fanout table is not sorted")
		}
		prev = n
	}
	x.count = int(prev)

	rest := len(x.data) - idxTablesStart - idxTrailerSize - x.count*(hashSize+8)
	if rest < 0 || rest%8 != 0 {
		return fmt.Errorf("size does not match its %d objects", x.count)
	}
	x.large = rest / 8
	return nil
}

func (x *packIndex) close() error {
	if x.data == nil {
		return nil
	}
	err := syscall.Munmap(x.data)
	x.data = nil
	return err
}

// packChecksum returns the checksum of the pack this index describes.
func (x *packIndex) packChecksum() plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], x.data[len(x.data)-idxTrailerSize:])
	return h
}

func (x *packIndex) name(i int) []byte {
	start := idxTablesStart + i*hashSize
	return x.data[start : start+hashSize]
}

func (x *packIndex) crc(i int) uint32 {
	return binary.BigEndian.Uint32(x.data[idxTablesStart+x.count*hashSize+4*i:])
}

// offset returns the pack offset of the i-th object in name order. It
// fails on an index into the 8-byte table that is out of range.
func (x *packIndex) offset(i int) (uint64, error) {
	start := idxTablesStart + x.count*(hashSize+4)
	small := binary.BigEndian.Uint32(x.data[start+4*i:])
	if small&0x80000000 == 0 {
		return uint64(small), nil
	}

	j := int(small & 0x7fffffff)
	if j >= x.large {
		return 0, fmt.Errorf("object %d has large offset %d of %d", i, j, x.large)
	}
	return binary.BigEndian.Uint64(x.data[start+4*x.count+8*j:]), nil
}

// find returns the position in name order of the object h.
func (x *packIndex) find(h plumbing.Hash) (int, bool) {
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(x.data[idxHeaderSize+4*(int(h[0])-1):]))
	}
	hi := int(binary.BigEndian.Uint32(x.data[idxHeaderSize+4*int(h[0]):]))
	hi = min(hi, x.count)
	lo = min(lo, hi)

	i := lo + sort.Search(hi-lo, func(k int) bool {
		return bytes.Compare(x.name(lo+k), h[:]) >= 0
	})
	return i, i < hi && bytes.Equal(x.name(i), h[:])
}

// hash returns the name of the i-th object.
func (x *packIndex) hash(i int) plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], x.name(i))
	return h
}
