package archive

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// crashHook, when a test sets it, is called at the named steps of writing
// a pack. A panic there leaves the files as a crash at that step would.
var crashHook func(step string)

func atStep(step string) {
	if crashHook != nil {
		crashHook(step)
	}
}

// indexEntry is one object of a pack being written.
type indexEntry struct {
	hash   plumbing.Hash
	offset uint64
	crc    uint32
}

// packBuilder writes a pack to a temporary file in the pack directory,
// then its index, and installs both so that a crash at any point leaves
// either no new pack or a complete and durable one (see install).
type packBuilder struct {
	dir   string
	file  *os.File
	out   *bufio.Writer
	sum   hash.Hash
	crc   hash.Hash32
	count uint32

	offset  uint64
	entries []indexEntry

	deflated bytes.Buffer
	deflater *zlib.Writer // for data of smallDeflate bytes or more
	fast     *zlib.Writer // for smaller data
}

// smallDeflate is the size under which entries are compressed at
// zlib.BestSpeed. Resetting a compressor of a higher level clears 640 KiB
// of tables (compress/flate, Go 1.26), which costs more than compressing
// a small delta or file, and BestSpeed makes them about 8% larger.
const smallDeflate = 4 << 10

// newPackBuilder creates the temporary pack file in dir and writes the
// header of a pack of count objects.
func newPackBuilder(dir string, count int) (*packBuilder, error) {
	if count > math.MaxUint32 {
		return nil, fmt.Errorf("pack of %d objects is too large", count)
	}

	// git init creates the pack directory, but a copy of the repository
	// made by a tool that skips empty directories lacks it.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create pack directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return nil, fmt.Errorf("create pack in %s: %w", dir, err)
	}

	b := &packBuilder{
		dir:     dir,
		file:    f,
		out:     bufio.NewWriterSize(f, 256<<10),
		sum:     sha1.New(),
		crc:     crc32.NewIEEE(),
		count:   uint32(count),
		entries: make([]indexEntry, 0, count),
	}
	b.deflater = zlib.NewWriter(&b.deflated)
	b.fast, err = zlib.NewWriterLevel(&b.deflated, zlib.BestSpeed)
	if err != nil {
		b.abort()
		return nil, err
	}

	header := binary.BigEndian.AppendUint32(append(slices.Clone(packSignature), 0, 0, 0, 2), uint32(count))
	if err := b.write(header); err != nil {
		b.abort()
		return nil, err
	}
	return b, nil
}

func (b *packBuilder) write(p []byte) error {
	if _, err := b.out.Write(p); err != nil {
		return fmt.Errorf("write pack %s: %w", b.file.Name(), err)
	}
	b.sum.Write(p)
	b.crc.Write(p)
	b.offset += uint64(len(p))
	return nil
}

// startEntry begins the entry of object h at the current offset.
func (b *packBuilder) startEntry(h plumbing.Hash) {
	b.crc.Reset()
	b.entries = append(b.entries, indexEntry{hash: h, offset: b.offset})
}

func (b *packBuilder) endEntry() {
	b.entries[len(b.entries)-1].crc = b.crc.Sum32()
}

// addWhole appends object h, stored whole.
func (b *packBuilder) addWhole(h plumbing.Hash, typ plumbing.ObjectType, content []byte) error {
	b.startEntry(h)
	if err := b.write(appendEntryHeader(nil, typ, uint64(len(content)))); err != nil {
		return err
	}
	if err := b.writeDeflated(content); err != nil {
		return err
	}
	b.endEntry()
	return nil
}

// addDelta appends object h as an OFS_DELTA on the entry at baseOffset.
func (b *packBuilder) addDelta(h plumbing.Hash, baseOffset uint64, delta []byte) error {
	b.startEntry(h)
	header := appendEntryHeader(nil, plumbing.OFSDeltaObject, uint64(len(delta)))
	header = appendOffsetDistance(header, b.offset-baseOffset)
	if err := b.write(header); err != nil {
		return err
	}
	if err := b.writeDeflated(delta); err != nil {
		return err
	}
	b.endEntry()
	return nil
}

// addRaw appends object h as an entry with the given header and zlib data,
// copied from another pack.
func (b *packBuilder) addRaw(h plumbing.Hash, header, data []byte) error {
	b.startEntry(h)
	if err := b.write(header); err != nil {
		return err
	}
	if err := b.write(data); err != nil {
		return err
	}
	b.endEntry()
	return nil
}

func (b *packBuilder) writeDeflated(data []byte) error {
	w := b.deflater
	if len(data) < smallDeflate {
		w = b.fast
	}

	b.deflated.Reset()
	w.Reset(&b.deflated)
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return b.write(b.deflated.Bytes())
}

// copyEntries copies every entry of p unchanged. It must come first, so
// that each entry keeps its offset, its index entry and its delta bases.
func (b *packBuilder) copyEntries(p *pack) error {
	if b.offset != packHeaderSize {
		return errors.New("copy pack entries: the pack being written already has entries")
	}

	// The index of p has the CRC-32 of each entry, so the copy skips it,
	// but checks the pack's checksum, so that a corrupt entry is never
	// copied under the checksum of the new pack.
	verifier, err := newPackVerifier(p)
	if err != nil {
		return err
	}
	body := io.NewSectionReader(p.file, packHeaderSize, p.size-packHeaderSize-packTrailerSize)
	copied, err := io.Copy(io.MultiWriter(b.out, b.sum), verifier.reader(body))
	b.offset += uint64(copied)
	if err != nil {
		return fmt.Errorf("copy pack %s: %w", p.name, err)
	}
	if err := verifier.verify(); err != nil {
		return err
	}

	for i := range p.idx.count {
		offset, err := p.idx.offset(i)
		if err != nil {
			return fmt.Errorf("copy pack %s: %w", p.name, err)
		}
		b.entries = append(b.entries, indexEntry{hash: p.idx.hash(i), offset: offset, crc: p.idx.crc(i)})
	}
	return nil
}

// finish writes the pack trailer and the index, makes both durable and
// installs them. It returns the name of the new pack.
func (b *packBuilder) finish() (plumbing.Hash, error) {
	if len(b.entries) != int(b.count) {
		b.abort()
		return plumbing.ZeroHash, fmt.Errorf("write pack: %d objects written, %d declared", len(b.entries), b.count)
	}

	var name plumbing.Hash
	copy(name[:], b.sum.Sum(nil))
	idxPath, err := b.closePackAndIndex(name)
	if err != nil {
		b.abort()
		return name, err
	}
	atStep("pack written")

	if err := install(b.dir, name, b.file.Name(), idxPath); err != nil {
		_ = os.Remove(idxPath)
		b.abort()
		return name, err
	}
	return name, nil
}

// closePackAndIndex closes the pack and writes its index, both fsynced.
// The two fsyncs overlap, which saves about one on a journaling file
// system, and the pack is fsynced whatever the index does.
func (b *packBuilder) closePackAndIndex(name plumbing.Hash) (string, error) {
	synced := make(chan error, 1)
	if err := b.flushPack(name); err != nil {
		return "", err
	}
	go func() { synced <- syncFile(b.file) }()

	idxPath, idxErr := writeIndex(b.dir, name, b.entries)
	if err := errors.Join(<-synced, b.file.Close(), idxErr); err != nil {
		if idxErr == nil {
			_ = os.Remove(idxPath)
		}
		return "", err
	}
	return idxPath, nil
}

// flushPack appends the trailer and flushes the pack to its file.
func (b *packBuilder) flushPack(name plumbing.Hash) error {
	if _, err := b.out.Write(name[:]); err != nil {
		return fmt.Errorf("write pack %s: %w", b.file.Name(), err)
	}
	if err := b.out.Flush(); err != nil {
		return fmt.Errorf("write pack %s: %w", b.file.Name(), err)
	}
	return nil
}

// abort removes the temporary pack file.
func (b *packBuilder) abort() {
	_ = b.file.Close()
	_ = os.Remove(b.file.Name())
}

// syncFile makes a written file read-only, as git does with objects, and
// flushes it to stable storage.
func syncFile(f *os.File) error {
	if err := f.Chmod(0o444); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", f.Name(), err)
	}
	return nil
}

// renameSynced renames from to to, both in dir, and syncs dir.
func renameSynced(from, to, dir string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return syncPath(dir)
}

// syncPath flushes the file or directory at path to stable storage.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}

	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}

	return f.Close()
}

// writeIndex writes and fsyncs the version 2 index of pack name, whose
// objects are entries, to a temporary file in dir, and returns its path.
func writeIndex(dir string, name plumbing.Hash, entries []indexEntry) (path string, err error) {
	f, err := os.CreateTemp(dir, "tmp_idx_")
	if err != nil {
		return "", fmt.Errorf("create index of pack %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	out := bufio.NewWriterSize(f, 256<<10)
	if _, err := idxfile.NewEncoder(out).Encode(memoryIndex(name, entries)); err != nil {
		return "", fmt.Errorf("write index of pack %s: %w", name, err)
	}
	if err := out.Flush(); err != nil {
		return "", fmt.Errorf("write index of pack %s: %w", name, err)
	}
	if err := syncFile(f); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// memoryIndex lays entries out as go-git's index encoder expects: sorted
// by name and grouped by first byte.
func memoryIndex(name plumbing.Hash, entries []indexEntry) *idxfile.MemoryIndex {
	sortEntries(entries)

	idx := &idxfile.MemoryIndex{Version: idxfile.VersionSupported, PackfileChecksum: name}
	for i := range idx.FanoutMapping {
		idx.FanoutMapping[i] = -1
	}

	var total uint32
	for _, e := range entries {
		first := e.hash[0]
		if idx.FanoutMapping[first] < 0 {
			idx.FanoutMapping[first] = len(idx.Names)
			idx.Names = append(idx.Names, nil)
			idx.Offset32 = append(idx.Offset32, nil)
			idx.CRC32 = append(idx.CRC32, nil)
		}
		bucket := idx.FanoutMapping[first]

		idx.Names[bucket] = append(idx.Names[bucket], e.hash[:]...)
		idx.CRC32[bucket] = binary.BigEndian.AppendUint32(idx.CRC32[bucket], e.crc)
		idx.Offset32[bucket] = binary.BigEndian.AppendUint32(idx.Offset32[bucket], idxOffset(idx, e.offset))

		// Fanout[b] counts the objects whose first byte is at most b.
		total++
		idx.Fanout[first] = total
	}
	for i := 1; i < 256; i++ {
		idx.Fanout[i] = max(idx.Fanout[i], idx.Fanout[i-1])
	}
	return idx
}

// sortEntries sorts entries by name. The entries copied from a pack come
// first and sorted already, so it sorts the rest and merges the two runs,
// in time linear in the size of the pack.
func sortEntries(entries []indexEntry) {
	byName := func(x, y indexEntry) int { return bytes.Compare(x.hash[:], y.hash[:]) }
	sorted := 1
	for sorted < len(entries) && byName(entries[sorted-1], entries[sorted]) < 0 {
		sorted++
	}
	if sorted >= len(entries) {
		return
	}

	rest := slices.Clone(entries[sorted:])
	slices.SortFunc(rest, byName)

	// Merge from the end, so that no entry is overwritten before it moves.
	i, j := sorted-1, len(rest)-1
	for k := len(entries) - 1; j >= 0; k-- {
		if i >= 0 && byName(entries[i], rest[j]) > 0 {
			entries[k] = entries[i]
			i--
		} else {
			entries[k] = rest[j]
			j--
		}
	}
}

// idxOffset returns the 4-byte offset field of an entry, adding offsets
// from 2 GiB on to the table of 8-byte offsets.
func idxOffset(idx *idxfile.MemoryIndex, offset uint64) uint32 {
	if offset < 1<<31 {
		return uint32(offset)
	}
	large := len(idx.Offset64) / 8
	idx.Offset64 = binary.BigEndian.AppendUint64(idx.Offset64, offset)
	return uint32(large) | 1<<31
}

// install gives the pack and index temporary files their final names. The
// index is renamed first and the directory synced in between: git 2.39 and
// go-git v5.19.3 both ignore an index whose pack is missing, but go-git
// fails to read any object while a pack lacks its index. A crash therefore
// leaves either temporary files, or an index alone, which the next writer
// removes (see removeLeftovers), or the complete pack.
func install(dir string, name plumbing.Hash, packTmp, idxTmp string) error {
	packFinal := packPath(dir, name, ".pack")
	_, statErr := os.Stat(packFinal)

	if err := renameSynced(idxTmp, packPath(dir, name, ".idx"), dir); err != nil {
		return fmt.Errorf("install index of pack %s: %w", name, err)
	}
	atStep("index installed")

	if statErr == nil {
		// The same objects in the same order were installed before: the
		// pack's name is the checksum of its content.
		if err := os.Remove(packTmp); err != nil {
			return err
		}
	} else if err := renameSynced(packTmp, packFinal, dir); err != nil {
		return fmt.Errorf("install pack %s: %w", name, err)
	}
	atStep("pack installed")
	return nil
}
