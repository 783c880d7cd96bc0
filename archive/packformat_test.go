package archive

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestEntryHeaderRoundTrip(t *testing.T) {
	types := []plumbing.ObjectType{plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject}
	sizes := []uint64{0, 1, 15, 16, 127, 128, 2047, 2048, 1 << 20, 1<<32 + 5, 1<<60 - 1}
	for _, typ := range types {
		for _, size := range sizes {
			buf := appendEntryHeader(nil, typ, size)
			h, err := parseEntryHeader(buf, 100)
			if err != nil {
				t.Fatalf("%s of %d bytes: %v", typ, size, err)
			}
			if h.typ != typ || h.size != size || h.length != len(buf) {
				t.Errorf("%s of %d bytes: parsed %s of %d bytes, length %d of %d", typ, size, h.typ, h.size, h.length, len(buf))
			}
		}
	}
}

func TestOffsetDeltaHeaderRoundTrip(t *testing.T) {
	distances := []uint64{1, 127, 128, 129, 16383, 16384, 16511, 16512, 1 << 31, 1<<40 + 3}
	for _, distance := range distances {
		buf := appendEntryHeader(nil, plumbing.OFSDeltaObject, 42)
		buf = appendOffsetDistance(buf, distance)
		offset := distance + 12

		h, err := parseEntryHeader(buf, offset)
		if err != nil {
			t.Fatalf("distance %d: %v", distance, err)
		}
		if h.typ != plumbing.OFSDeltaObject || h.size != 42 || h.baseOffset != 12 || h.length != len(buf) {
			t.Errorf("distance %d: parsed %+v from %d bytes", distance, h, len(buf))
		}
	}
}

func TestReferenceDeltaHeader(t *testing.T) {
	base := plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
	buf := append(appendEntryHeader(nil, plumbing.REFDeltaObject, 300), base[:]...)

	h, err := parseEntryHeader(buf, 500)
	if err != nil {
		t.Fatal(err)
	}
	if h.baseName != base || h.size != 300 || h.length != len(buf) {
		t.Errorf("parsed %+v, want base %s, size 300, length %d", h, base, len(buf))
	}
}

func TestEntryHeaderInvalid(t *testing.T) {
	tests := []struct {
		name   string
		buf    []byte
		offset uint64
	}{
		{"empty", nil, 12},
		{"size cut short", []byte{0x95}, 12},
		{"type 5", []byte{0x50}, 12},
		{"type 0", []byte{0x00}, 12},
		{"base before the pack", appendOffsetDistance(appendEntryHeader(nil, plumbing.OFSDeltaObject, 1), 20), 12},
		{"base distance cut short", []byte{0x61, 0x80}, 500},
		{"base name cut short", append(appendEntryHeader(nil, plumbing.REFDeltaObject, 1), 1, 2, 3), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseEntryHeader(tt.buf, tt.offset); !errors.Is(err, errEntryHeader) {
				t.Errorf("error = %v, want errEntryHeader", err)
			}
		})
	}
}

func TestSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sizes := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {100, 3}, {1000, 200}} {
		copied := randomEntries(rng, sizes[0])
		slices.SortFunc(copied, compareEntries)
		entries := append(copied, randomEntries(rng, sizes[1])...)

		want := slices.Clone(entries)
		slices.SortFunc(want, compareEntries)
		sortEntries(entries)
		if !slices.Equal(entries, want) {
			t.Errorf("%d sorted and %d new entries: not sorted by name", sizes[0], sizes[1])
		}
	}
}

func randomEntries(rng *rand.Rand, n int) []indexEntry {
	entries := make([]indexEntry, n)
	for i := range entries {
		for j := range entries[i].hash {
			entries[i].hash[j] = byte(rng.UintN(256))
		}
		entries[i].offset = rng.Uint64()
	}
	return entries
}

func compareEntries(x, y indexEntry) int {
	return bytes.Compare(x.hash[:], y.hash[:])
}

func TestPackIndexLargeOffsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	entries := randomEntries(rng, 300)
	for i := range entries {
		entries[i].offset = uint64(i) << 24 // from 0 to about 5 GiB
		entries[i].crc = uint32(i)
	}
	name := plumbing.NewHash("89abcdef0123456789abcdef0123456789abcdef")

	dir := t.TempDir()
	path, err := writeIndex(dir, name, slices.Clone(entries))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := openPackIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.close()

	if idx.count != len(entries) || idx.packChecksum() != name {
		t.Fatalf("index of %d objects for pack %s, want %d for %s", idx.count, idx.packChecksum(), len(entries), name)
	}
	for _, e := range entries {
		i, ok := idx.find(e.hash)
		if !ok {
			t.Fatalf("object %x not found", e.hash)
		}
		offset, err := idx.offset(i)
		if err != nil || offset != e.offset || idx.crc(i) != e.crc {
			t.Errorf("object %x: offset %d crc %d (%v), want %d and %d", e.hash, offset, idx.crc(i), err, e.offset, e.crc)
		}
	}
	if _, ok := idx.find(plumbing.NewHash("ffffffffffffffffffffffffffffffffffffffff")); ok {
		t.Error("found an object that the index lacks")
	}
}

func TestPackIndexInvalid(t *testing.T) {
	valid, err := os.ReadFile(writeTestIndex(t))
	if err != nil {
		t.Fatal(err)
	}

	unsorted := slices.Clone(valid)
	unsorted[idxHeaderSize+4*10] = 0xff // fanout[10] above fanout[11]
	tests := map[string][]byte{
		"empty":          nil,
		"too short":      valid[:idxTablesStart],
		"wrong magic":    append([]byte("PACK"), valid[4:]...),
		"unsorted":       unsorted,
		"size mismatch":  append(slices.Clone(valid), 1, 2, 3),
		"objects cut":    valid[:len(valid)-hashSize-idxTrailerSize],
		"version 1 data": append([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 1}, valid[8:]...),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pack.idx")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if idx, err := openPackIndex(path); err == nil {
				_ = idx.close()
				t.Error("openPackIndex accepted an invalid index")
			}
		})
	}
}

// writeTestIndex writes the index of a pack of three objects.
func writeTestIndex(t *testing.T) string {
	t.Helper()

	var entries []indexEntry
	for i := range 3 {
		h := plumbing.ComputeHash(plumbing.BlobObject, fmt.Appendf(nil, "%d", i))
		entries = append(entries, indexEntry{hash: h, offset: uint64(12 + 10*i)})
	}
	path, err := writeIndex(t.TempDir(), plumbing.ZeroHash, entries)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestObjectCacheEvictsByBytes(t *testing.T) {
	c := newObjectCache(100)
	key := func(i int) cacheKey { return cacheKey{pack: 1, offset: uint64(i)} }

	c.put(key(1), plumbing.BlobObject, make([]byte, 40))
	c.put(key(2), plumbing.BlobObject, make([]byte, 40))
	if _, ok := c.get(key(1)); !ok {
		t.Fatal("entry 1 missing before the cache is full")
	}
	c.put(key(3), plumbing.BlobObject, make([]byte, 40)) // evicts 2, the least recently used

	if _, ok := c.get(key(2)); ok {
		t.Error("entry 2 kept beyond the budget")
	}
	for _, i := range []int{1, 3} {
		if _, ok := c.get(key(i)); !ok {
			t.Errorf("entry %d evicted", i)
		}
	}
	if c.bytes != 80 {
		t.Errorf("cached bytes = %d, want 80", c.bytes)
	}

	c.put(key(4), plumbing.BlobObject, make([]byte, 101))
	if _, ok := c.get(key(4)); ok {
		t.Error("an entry larger than the budget was kept")
	}
}
