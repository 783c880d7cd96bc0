package archive

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Pack layout, version 2, as gitformat-pack(5) of git 2.39 describes it: a
// 12-byte header ("PACK", version, object count), the entries, then the
// SHA-1 of everything before it. An entry starts with its type and
// inflated size, an OFS_DELTA then gives the distance back to its base
// entry and a REF_DELTA the name of its base, and zlib data follows.
const (
	packHeaderSize  = 12
	packTrailerSize = hashSize

	// maxEntryHeader is the longest entry header: 10 bytes of type and
	// size, then a 20-byte base name or at most 10 bytes of offset.
	maxEntryHeader = 10 + hashSize
)

var packSignature = []byte("PACK")

// entryHeader is the decoded start of a pack entry.
type entryHeader struct {
	typ  plumbing.ObjectType
	size uint64 // inflated size of the object, or of the delta data

	baseOffset uint64        // OFS_DELTA: offset of the base entry
	baseName   plumbing.Hash // REF_DELTA: name of the base object

	length int // bytes before the zlib data
}

func (h entryHeader) isDelta() bool {
	return h.typ == plumbing.OFSDeltaObject || h.typ == plumbing.REFDeltaObject
}

var errEntryHeader = errors.New("invalid pack entry header")

// parseEntryHeader decodes the header of the entry at offset from buf,
// which holds the bytes of the pack from offset on.
func parseEntryHeader(buf []byte, offset uint64) (entryHeader, error) {
	var h entryHeader
	if len(buf) == 0 {
		return h, errEntryHeader
	}

	c := buf[0]
	h.typ = plumbing.ObjectType((c >> 4) & 7)
	h.size = uint64(c & 15)
	i, shift := 1, 4
	for c&0x80 != 0 {
		if i >= len(buf) || shift > 57 {
			return h, errEntryHeader
		}
		c = buf[i]
		h.size |= uint64(c&0x7f) << shift
		i++
		shift += 7
	}

	switch h.typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject:
		distance, n, err := parseOffsetDistance(buf[i:])
		if err != nil || distance == 0 || distance > offset {
			return h, fmt.Errorf("%w: delta base distance %d at offset %d", errEntryHeader, distance, offset)
		}
		h.baseOffset = offset - distance
		i += n
	case plumbing.REFDeltaObject:
		if len(buf) < i+hashSize {
			return h, errEntryHeader
		}
		copy(h.baseName[:], buf[i:i+hashSize])
		i += hashSize
	default:
		return h, fmt.Errorf("%w: type %d at offset %d", errEntryHeader, h.typ, offset)
	}

	h.length = i
	return h, nil
}

// parseOffsetDistance decodes the distance to an OFS_DELTA base: big-endian
// groups of 7 bits where each continuation adds one, so that every
// distance has a single encoding.
func parseOffsetDistance(buf []byte) (uint64, int, error) {
	if len(buf) == 0 {
		return 0, 0, errEntryHeader
	}

	c := buf[0]
	distance := uint64(c & 0x7f)
	i := 1
	for c&0x80 != 0 {
		if i >= len(buf) || distance > 1<<56 {
			return 0, 0, errEntryHeader
		}
		c = buf[i]
		distance = ((distance + 1) << 7) | uint64(c&0x7f)
		i++
	}
	return distance, i, nil
}

// appendEntryHeader appends the type and size header of an entry.
func appendEntryHeader(dst []byte, typ plumbing.ObjectType, size uint64) []byte {
	c := byte(typ)<<4 | byte(size&15)
	size >>= 4
	for size != 0 {
		dst = append(dst, c|0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	return append(dst, c)
}

// appendOffsetDistance appends the encoding that parseOffsetDistance reads.
func appendOffsetDistance(dst []byte, distance uint64) []byte {
	var buf [10]byte
	i := len(buf) - 1
	buf[i] = byte(distance & 0x7f)
	for distance >>= 7; distance != 0; distance >>= 7 {
		distance--
		i--
		buf[i] = 0x80 | byte(distance&0x7f)
	}
	return append(dst, buf[i:]...)
}
