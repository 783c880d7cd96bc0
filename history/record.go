package history

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/collecte-cacem/collecte/archive"
)

// Commit is the index record of one commit of main.
type Commit struct {
	// Commit is the commit as archive.Log returns it, except that Message
	// is empty, because the index keeps the subject only.
	archive.Commit

	// Seq is the position of the commit in main's first-parent history,
	// 0 for the first commit.
	Seq int

	// HasReport is false for a commit without diff.ReportJSONPath.
	HasReport bool

	// From and To are the fields of the report as archived. Counts maps
	// each kind of the report to its number of changes, as diff.ReadJSON
	// computes it. All three are empty when HasReport is false.
	From, To string
	Counts   map[string]int

	// Manifest holds the figures of the commit's crawl.json.
	Manifest Manifest
}

// Manifest is the index record of a commit's crawl.json. It says whether
// the file is there and valid, and keeps its counts.
type Manifest struct {
	// Present is false for a commit without crawl.json, and Valid false
	// for one whose crawl.json does not decode. The counts are zero unless
	// both are true.
	Present, Valid bool

	Addresses, Rules, Missing int
}

// Flags of a commit record.
const (
	flagReport          = 1 << 0
	flagManifest        = 1 << 1
	flagManifestInvalid = 1 << 2
)

func encodeCommit(c Commit) ([]byte, error) {
	hash, err := hex.DecodeString(c.Hash)
	if err != nil || len(hash) != 20 {
		return nil, fmt.Errorf("encode commit %q: invalid hash", c.Hash)
	}
	parent, err := hex.DecodeString(c.Parent)
	if err != nil || (len(parent) != 20 && len(parent) != 0) {
		return nil, fmt.Errorf("encode commit %s: invalid parent hash %q", c.Hash, c.Parent)
	}

	e := &encoder{}
	e.bytes(hash)
	e.bytes(parent)
	e.time(c.When)
	e.string(c.Subject)
	e.byte(commitFlags(c))
	e.string(c.From)
	e.string(c.To)
	e.uvarint(uint64(len(c.Counts)))
	for _, kind := range slices.Sorted(maps.Keys(c.Counts)) {
		e.string(kind)
		e.uvarint(uint64(c.Counts[kind]))
	}
	e.uvarint(uint64(c.Manifest.Addresses))
	e.uvarint(uint64(c.Manifest.Rules))
	e.uvarint(uint64(c.Manifest.Missing))
	return e.buf, nil
}

func commitFlags(c Commit) byte {
	var flags byte
	if c.HasReport {
		flags |= flagReport
	}
	if c.Manifest.Present {
		flags |= flagManifest
	}
	if c.Manifest.Present && !c.Manifest.Valid {
		flags |= flagManifestInvalid
	}
	return flags
}

func decodeCommit(seq int, data []byte) (Commit, error) {
	d := &decoder{buf: data}
	c := Commit{Seq: seq}
	c.Hash = hex.EncodeToString(d.bytes())
	c.Parent = hex.EncodeToString(d.bytes())
	c.When = d.time()
	c.Subject = d.string()

	flags := d.byte()
	c.HasReport = flags&flagReport != 0
	c.Manifest.Present = flags&flagManifest != 0
	c.Manifest.Valid = c.Manifest.Present && flags&flagManifestInvalid == 0

	c.From, c.To = d.string(), d.string()
	n := d.int()
	if n > len(d.buf) {
		d.fail("count of kinds")
		n = 0
	}
	c.Counts = make(map[string]int, n)
	for range n {
		kind := d.string()
		c.Counts[kind] = d.int()
	}
	c.Manifest.Addresses, c.Manifest.Rules, c.Manifest.Missing = d.int(), d.int(), d.int()

	if err := d.done(fmt.Sprintf("commit %d", seq)); err != nil {
		return Commit{}, err
	}
	return c, nil
}
