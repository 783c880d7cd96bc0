package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// geometricFactor is the ratio that Maintain keeps between the sizes of
// successive packs, as `git repack --geometric=2` does. Each pack is at
// least twice the next smaller one, so there are about log2(history/tail)
// packs, and each byte is copied about that many times over its life.
const geometricFactor = 2

// PackStats describes what Maintain or Pack did.
type PackStats struct {
	Objects  int  // objects written into new packs
	Removed  int  // loose objects and packs removed
	Full     bool // every pack was merged into one
	Duration time.Duration
}

func (s *PackStats) add(other PackStats) {
	s.Objects += other.Objects
	s.Removed += other.Removed
}

// Maintain keeps the number of packs logarithmic in the size of the
// history. It moves loose objects (written by older versions of collecte
// or by git) into a pack, merges the packs under the tail size into one,
// and merges the smallest full packs when they break the geometric
// progression of sizes. Merging copies entries unchanged, deltas included,
// so it never recompresses the history. It then refreshes the listings of
// git's dumb HTTP transport when the archive has them. The caller holds
// Lock.
func (a *Archive) Maintain() (PackStats, error) {
	defer a.enter()()

	start := time.Now()
	stats, err := a.store.maintain()
	if err == nil {
		err = a.updateServerInfo()
	}
	stats.Duration = time.Since(start)
	return stats, err
}

// Pack moves the loose objects into a pack and, with full, merges every
// pack without a .keep file into one. Each new pack is durable before
// anything it replaces is removed, so a crash at any point loses no
// object. The caller holds Lock.
func (a *Archive) Pack(full bool) (PackStats, error) {
	defer a.enter()()

	start := time.Now()
	stats, err := a.store.packLoose()
	if err == nil && full {
		var merged PackStats
		merged, err = a.store.mergeWhere(func(packs []*pack) []*pack { return packs })
		stats.add(merged)
		stats.Full = true
	}
	if err == nil {
		err = a.updateServerInfo()
	}
	stats.Duration = time.Since(start)
	return stats, err
}

func (s *objectStore) maintain() (PackStats, error) {
	stats, err := s.packLoose()
	var unreadable *unreadableLooseError
	if err != nil && !errors.As(err, &unreadable) {
		return stats, err
	}

	// Unreadable loose objects stay in place, and the merges go on, so
	// that they do not stop for good until someone removes the files.
	small, mergeErr := s.mergeWhere(s.smallPacks)
	stats.add(small)
	if mergeErr != nil {
		return stats, errors.Join(err, mergeErr)
	}

	geometric, mergeErr := s.mergeWhere(s.geometricRollup)
	stats.add(geometric)
	stats.Full = geometric.Full
	return stats, errors.Join(err, mergeErr)
}

// unreadableLooseError lists the loose object files that packLoose could
// not read and left in place.
type unreadableLooseError struct {
	errs []error
}

func (e *unreadableLooseError) Error() string {
	return fmt.Sprintf("%d loose objects are unreadable and were left in place, "+
		"so run git fsck --full in the archive: %v", len(e.errs), errors.Join(e.errs...))
}

// smallPacks returns the packs under the tail size, which are merged when
// there are several: a crash or an older archive can leave more than one.
func (s *objectStore) smallPacks(packs []*pack) []*pack {
	var small []*pack
	for _, p := range packs {
		if p.size < s.tailMax {
			small = append(small, p)
		}
	}
	return small
}

// geometricRollup returns the full packs (those of the tail size or more)
// to merge: the smallest ones, as few as possible, so that afterwards each
// pack is at least geometricFactor times the next smaller one. packs are
// sorted smallest first. This is the split that `git repack --geometric`
// computes (builtin/repack.c, git 2.39), with sizes in bytes instead of
// object counts.
func (s *objectStore) geometricRollup(packs []*pack) []*pack {
	full := slices.DeleteFunc(slices.Clone(packs), func(p *pack) bool { return p.size < s.tailMax })

	split := 0
	for i := len(full) - 1; i > 0; i-- {
		if full[i].size < geometricFactor*full[i-1].size {
			split = i + 1
			break
		}
	}

	var rolled int64
	for _, p := range full[:split] {
		rolled += p.size
	}
	for split < len(full) && full[split].size < geometricFactor*rolled {
		rolled += full[split].size
		split++
	}
	return full[:split]
}

// mergeWhere merges the packs that choose selects from the packs without
// a .keep file, smallest first, when it selects two or more.
func (s *objectStore) mergeWhere(choose func([]*pack) []*pack) (PackStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if err := s.refresh(false); err != nil {
		return PackStats{}, err
	}
	unkept := slices.DeleteFunc(slices.Clone(s.packs), func(p *pack) bool { return isKept(s.packDir, p.name) })
	sources := choose(unkept)
	if len(sources) < 2 {
		return PackStats{}, nil
	}

	full := len(sources) == len(s.packs)
	written, err := s.merge(sources)
	if err != nil {
		return PackStats{}, err
	}
	return PackStats{Objects: written, Removed: len(sources), Full: full}, s.refresh(true)
}

// merge writes every object of sources into one new pack, then removes
// the sources. It returns the number of objects written.
// NOTE: a merge keeps about 90 bytes per object in memory while it runs,
// for index entries and offsets. The rare merges of whole histories are
// therefore the peaks of a daemon's heap, an estimated 90 MB for the
// million objects of a year of hourly commits.
func (s *objectStore) merge(sources []*pack) (int, error) {
	// The largest pack first: it holds the oldest objects.
	sources = slices.Clone(sources)
	slices.Reverse(sources)

	dups, total, err := duplicates(sources)
	if err != nil {
		return 0, err
	}

	b, err := newPackBuilder(s.packDir, total-len(dups))
	if err != nil {
		return 0, err
	}
	m := &merger{builder: b, dups: dups, written: map[plumbing.Hash]uint64{}}
	for _, p := range sources {
		if err := m.copyPack(p); err != nil {
			b.abort()
			return 0, err
		}
	}
	name, err := b.finish()
	if err != nil {
		return 0, err
	}

	for _, p := range sources {
		// Merging a pack with a copy of itself gives the same pack.
		if p.name == name {
			continue
		}
		if err := removePack(s.packDir, p.name); err != nil {
			return len(b.entries), err
		}
	}
	return len(b.entries), nil
}

// duplicates returns the objects that more than one of packs holds, which
// a crash between writing a pack and removing the ones it replaces leaves,
// and the number of entries of all packs.
func duplicates(packs []*pack) (map[plumbing.Hash]bool, int, error) {
	dups := map[plumbing.Hash]bool{}
	total := 0
	for i, p := range packs {
		total += p.idx.count
		for j := range p.idx.count {
			h := p.idx.hash(j)
			for _, earlier := range packs[:i] {
				if _, ok := earlier.idx.find(h); ok {
					dups[h] = true
					break
				}
			}
		}
	}
	return dups, total, nil
}

// merger copies the entries of packs into a new pack, keeping their data
// and deltas, and writing each object once.
type merger struct {
	builder *packBuilder
	dups    map[plumbing.Hash]bool
	written map[plumbing.Hash]uint64 // new offsets of the duplicates written
	raw     []byte
}

// packEntry is an entry of a source pack in offset order.
type packEntry struct {
	offset uint64
	index  int // position in the pack index
}

// copyPack copies the entries of p in pack order, reading it once from
// start to end. Each OFS_DELTA gets the new distance to its base.
func (m *merger) copyPack(p *pack) error {
	entries, err := entriesByOffset(p)
	if err != nil {
		return err
	}

	verifier, err := newPackVerifier(p)
	if err != nil {
		return err
	}
	section := io.NewSectionReader(p.file, packHeaderSize, p.size-packHeaderSize-packTrailerSize)
	body := bufio.NewReaderSize(verifier.reader(section), 1<<20)
	newOffsets := make([]uint64, len(entries))
	for k, e := range entries {
		end := uint64(p.size - packTrailerSize)
		if k+1 < len(entries) {
			end = entries[k+1].offset
		}

		if newOffsets[k], err = m.copyEntry(p, body, e, end, entries, newOffsets); err != nil {
			return fmt.Errorf("copy entry at %d of pack %s: %w", e.offset, p.name, err)
		}
	}

	// The entries cover the pack from its header to its trailer, so the
	// checksum of what was read is that of the pack.
	return verifier.verify()
}

// entriesByOffset returns the entries of p sorted by offset, and checks
// that the first one follows the pack header and none overlaps the trailer.
func entriesByOffset(p *pack) ([]packEntry, error) {
	entries := make([]packEntry, p.idx.count)
	for i := range entries {
		offset, err := p.idx.offset(i)
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", p.name, err)
		}
		entries[i] = packEntry{offset: offset, index: i}
	}
	slices.SortFunc(entries, func(x, y packEntry) int { return compareUint64(x.offset, y.offset) })

	n := len(entries)
	if n > 0 && (entries[0].offset != packHeaderSize || entries[n-1].offset >= uint64(p.size-packTrailerSize)) {
		return nil, fmt.Errorf("pack %s: its index does not match its entries", p.name)
	}
	return entries, nil
}

func compareUint64(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// copyEntry reads the entry e, which ends at end, from body and writes it
// unless its object was written already. It returns the entry's offset in
// the new pack.
func (m *merger) copyEntry(p *pack, body *bufio.Reader, e packEntry, end uint64, entries []packEntry, newOffsets []uint64) (uint64, error) {
	if end <= e.offset || end-e.offset > maxObjectSize {
		return 0, errors.New("entry size is invalid")
	}
	m.raw = slices.Grow(m.raw[:0], int(end-e.offset))[:end-e.offset]
	if _, err := io.ReadFull(body, m.raw); err != nil {
		return 0, err
	}

	h := p.idx.hash(e.index)
	if offset, ok := m.written[h]; ok {
		return offset, nil
	}

	header, err := parseEntryHeader(m.raw, e.offset)
	if err != nil {
		return 0, err
	}
	newHeader := appendEntryHeader(nil, header.typ, header.size)
	switch header.typ {
	case plumbing.OFSDeltaObject:
		base, ok := slices.BinarySearchFunc(entries, header.baseOffset, func(x packEntry, offset uint64) int {
			return compareUint64(x.offset, offset)
		})
		if !ok {
			return 0, fmt.Errorf("delta base at %d is not an entry", header.baseOffset)
		}
		newHeader = appendOffsetDistance(newHeader, m.builder.offset-newOffsets[base])
	case plumbing.REFDeltaObject:
		newHeader = append(newHeader, header.baseName[:]...)
	}

	offset := m.builder.offset
	if err := m.builder.addRaw(h, newHeader, m.raw[header.length:]); err != nil {
		return 0, err
	}
	if m.dups[h] {
		m.written[h] = offset
	}
	return offset, nil
}

// packLoose moves every loose object into a new pack, then removes the
// loose files. An object that a pack holds already is only removed. The
// files it cannot read stay in place, and it returns them in an
// *unreadableLooseError once the others are packed.
func (s *objectStore) packLoose() (PackStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	loose, err := s.looseHashes()
	if err != nil || len(loose) == 0 {
		return PackStats{}, err
	}
	if err := s.refresh(false); err != nil {
		return PackStats{}, err
	}

	var objects []*storedObject
	var done []plumbing.Hash // packed already or read, so removable
	unreadable := &unreadableLooseError{}
	for _, h := range loose {
		if _, _, packed, err := s.find(h); err != nil || packed {
			if err == nil {
				done = append(done, h)
			}
			continue
		}
		obj, err := s.looseObject(h)
		if err != nil {
			unreadable.errs = append(unreadable.errs, err)
			continue
		}
		objects = append(objects, obj)
		done = append(done, h)
	}

	if err := s.writeWhole(objects); err != nil {
		return PackStats{}, err
	}
	if err := s.removeLoose(done); err != nil {
		return PackStats{Objects: len(objects)}, err
	}
	stats := PackStats{Objects: len(objects), Removed: len(done)}
	if err := s.refresh(true); err != nil {
		return stats, err
	}
	if len(unreadable.errs) > 0 {
		return stats, unreadable
	}
	return stats, nil
}

// writeWhole writes objects, stored whole, into a new pack.
func (s *objectStore) writeWhole(objects []*storedObject) error {
	if len(objects) == 0 {
		return nil
	}

	b, err := newPackBuilder(s.packDir, len(objects))
	if err != nil {
		return err
	}
	for _, obj := range objects {
		if err := b.addWhole(obj.hash, obj.typ, obj.content); err != nil {
			b.abort()
			return err
		}
	}
	_, err = b.finish()
	return err
}

// removeLoose removes the loose object files of hashes and the object
// directories they leave empty.
func (s *objectStore) removeLoose(hashes []plumbing.Hash) error {
	dirs := map[string]bool{}
	for _, h := range hashes {
		path := s.looseObjectPath(h)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove packed loose object %s: %w", h, err)
		}
		dirs[filepath.Dir(path)] = true
	}

	for dir := range dirs {
		// A directory that still holds files stays.
		_ = os.Remove(dir)
	}
	return nil
}
