package history

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// errCorrupt reports a value of the index file that does not decode.
var errCorrupt = errors.New("corrupt value in the history index")

// Dictionaries of the values that almost every change repeats. A known
// value is written as its position plus one, any other as 0 and the string.
var (
	kindCodes  = []string{diff.KindScheduleChanged, diff.KindCollectionMissing, diff.KindCollectionAdded, diff.KindAddressAdded, diff.KindAddressRemoved}
	weeksCodes = []string{string(snapshot.Every), string(snapshot.Even), string(snapshot.Odd)}
	fluxCodes  = []string{snapshot.StreamHousehold, snapshot.StreamRecycling, snapshot.StreamBulky, snapshot.StreamGreen, snapshot.StreamAppliance}
)

// encoder appends values to a byte slice. It writes unsigned integers as
// uvarints, signed ones as varints, and strings as their length and bytes.
type encoder struct {
	buf []byte
}

func (e *encoder) uvarint(v uint64) {
	e.buf = binary.AppendUvarint(e.buf, v)
}

func (e *encoder) varint(v int64) {
	e.buf = binary.AppendVarint(e.buf, v)
}

func (e *encoder) byte(b byte) {
	e.buf = append(e.buf, b)
}

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// coded writes s as its position in table plus one, or as 0 and s.
func (e *encoder) coded(s string, table []string) {
	for i, known := range table {
		if s == known {
			e.uvarint(uint64(i + 1))
			return
		}
	}
	e.uvarint(0)
	e.string(s)
}

// decoder reads what encoder wrote. After the first error every read
// returns a zero value, and err keeps that first error.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(part string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated or invalid %s", errCorrupt, part)
	}
	d.buf = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("unsigned integer")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("integer")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// int reads a uvarint that must fit in an int.
func (d *decoder) int() int {
	v := d.uvarint()
	if v > uint64(maxInt) {
		d.fail("count")
		return 0
	}
	return int(v)
}

const maxInt = int(^uint(0) >> 1)

func (d *decoder) byte() byte {
	if len(d.buf) == 0 {
		d.fail("byte")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail("byte string")
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string() string {
	return string(d.bytes())
}

func (d *decoder) coded(table []string) string {
	i := d.uvarint()
	switch {
	case i == 0:
		return d.string()
	case i <= uint64(len(table)):
		return table[i-1]
	}
	d.fail("dictionary code")
	return ""
}

// done returns the first error, or an error when bytes are left over,
// naming the value decoded.
func (d *decoder) done(value string) error {
	if d.err == nil && len(d.buf) > 0 {
		d.err = fmt.Errorf("%w: %d bytes after the %s", errCorrupt, len(d.buf), value)
	}
	if d.err != nil {
		return fmt.Errorf("decode %s: %w", value, d.err)
	}
	return nil
}

// time writes t with its zone: the instant, and either the UTC location or
// the name and offset of a fixed zone, which is how go-git v5.19 decodes
// committer times (object.Signature.decodeTimeAndTimeZone).
func (e *encoder) time(t time.Time) {
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
	if t.Location() == time.UTC {
		e.byte(0)
		return
	}
	name, offset := t.Zone()
	e.byte(1)
	e.string(name)
	e.varint(int64(offset))
}

func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	t := time.Unix(sec, int64(nsec))
	switch d.byte() {
	case 0:
		return t.UTC()
	case 1:
		name, offset := d.string(), d.varint()
		return t.In(time.FixedZone(name, int(offset)))
	}
	d.fail("time zone")
	return time.Time{}
}

// Name flags of an encoded change. Its id and names are written out, or
// equal those of the change before it, or those registered for its address
// (the names of the first change that mentioned the address).
const (
	namesWritten    = 0
	namesAsPrevious = 1
	namesRegistered = 2
)

// encodeChanges writes the changes of one address in one commit, each with
// its position in the commit's report, without repeating the id and names
// that the address was registered with or that the change before has.
func encodeChanges(changes []diff.Change, positions []int, registered snapshot.Address) []byte {
	e := &encoder{}
	e.uvarint(uint64(len(changes)))
	for i, c := range changes {
		e.uvarint(uint64(positions[i]))
		switch {
		case namesOf(c) == placeOf(registered):
			e.byte(namesRegistered)
		case i > 0 && namesOf(c) == namesOf(changes[i-1]):
			e.byte(namesAsPrevious)
		default:
			e.byte(namesWritten)
			e.string(c.AdresseID)
			e.string(c.Commune)
			e.string(c.Quartier)
			e.string(c.Voie)
		}
		e.coded(c.Kind, kindCodes)
		e.coded(c.Flux, fluxCodes)
		e.slots(c.Before)
		e.slots(c.After)
	}
	return e.buf
}

// placeOf returns the id and names of a.
func placeOf(a snapshot.Address) snapshot.Place {
	return snapshot.Place{ID: a.ID, Commune: a.Commune, Quartier: a.Quartier, Voie: a.Voie}
}

// namesOf returns the id and names of the address of c.
func namesOf(c diff.Change) snapshot.Place {
	return snapshot.Place{ID: c.AdresseID, Commune: c.Commune, Quartier: c.Quartier, Voie: c.Voie}
}

// decodeChanges reads what encodeChanges wrote for the address registered,
// whose key it sets on every change. An empty slot list decodes as nil, as
// diff.ReadJSON reads it.
func decodeChanges(data []byte, registered snapshot.Address) ([]diff.Change, []int, error) {
	d := &decoder{buf: data}
	n := d.int()
	if n > len(data) {
		d.fail("change count")
		n = 0
	}
	changes := make([]diff.Change, 0, n)
	positions := make([]int, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		positions = append(positions, d.int())
		names := placeOf(registered)
		switch d.byte() {
		case namesWritten:
			names = snapshot.Place{ID: d.string(), Commune: d.string(), Quartier: d.string(), Voie: d.string()}
		case namesAsPrevious:
			if i == 0 {
				d.fail("names of the first change")
			} else {
				names = namesOf(changes[i-1])
			}
		case namesRegistered:
		default:
			d.fail("name flags")
		}
		c := diff.Change{AdresseKey: registered.Key, AdresseID: names.ID, Commune: names.Commune,
			Quartier: names.Quartier, Voie: names.Voie}
		c.Kind = d.coded(kindCodes)
		c.Flux = d.coded(fluxCodes)
		c.Before = d.slots()
		c.After = d.slots()
		changes = append(changes, c)
	}
	if err := d.done("changes of " + registered.Key); err != nil {
		return nil, nil, err
	}
	return changes, positions, nil
}

// segment is the encoded changes of one address in a commit.
type segment struct {
	number uint32
	data   []byte
}

// encodeSegments writes the changes of a commit: for each address its
// number, the length of its encoded changes and those changes, so that a
// reader looking for one address skips the others without decoding them.
func encodeSegments(segments []segment) []byte {
	e := &encoder{}
	for _, s := range segments {
		e.uvarint(uint64(s.number))
		e.bytes(s.data)
	}
	return e.buf
}

// decodeSegments returns the segments of a commit's changes.
func decodeSegments(data []byte) ([]segment, error) {
	d := &decoder{buf: data}
	var out []segment
	for len(d.buf) > 0 && d.err == nil {
		number := d.uvarint()
		if number > 1<<32-1 {
			d.fail("address number")
		}
		out = append(out, segment{number: uint32(number), data: d.bytes()})
	}
	return out, d.done("changes of a commit")
}

func (e *encoder) slots(slots []snapshot.Slot) {
	e.uvarint(uint64(len(slots)))
	for _, s := range slots {
		e.uvarint(uint64(s.Day))
		e.coded(string(s.Weeks), weeksCodes)
	}
}

func (d *decoder) slots() []snapshot.Slot {
	n := d.int()
	if n == 0 || n > len(d.buf) {
		if n > 0 {
			d.fail("slot count")
		}
		return nil
	}
	out := make([]snapshot.Slot, 0, n)
	for range n {
		day := d.uvarint()
		if day > uint64(time.Saturday) {
			d.fail("weekday")
		}
		out = append(out, snapshot.Slot{Day: time.Weekday(day), Weeks: snapshot.Weeks(d.coded(weeksCodes))})
	}
	return out
}

// encodeAddress writes the id and names of an address, and its key when
// withKey is true.
func encodeAddress(a snapshot.Address, withKey bool) []byte {
	e := &encoder{}
	if withKey {
		e.string(a.Key)
	}
	e.string(a.ID)
	e.string(a.Commune)
	e.string(a.Quartier)
	e.string(a.Voie)
	return e.buf
}

// decodeAddress reads what encodeAddress wrote. key is the key of an
// address written without it.
func decodeAddress(data []byte, key string, withKey bool) (snapshot.Address, error) {
	d := &decoder{buf: data}
	if withKey {
		key = d.string()
	}
	a := snapshot.Address{Key: key, ID: d.string(), Commune: d.string(), Quartier: d.string(), Voie: d.string()}
	return a, d.done("address " + key)
}

// A posting list holds the ascending positions of the commits that one
// term matches. It starts with the last position as 8 big-endian bytes, so
// that appending needs no decoding, followed by the first position and the
// gaps between the next ones as uvarints.

// appendPostings returns list with the positions seqs appended. Positions
// not above the last one of list are skipped, so that indexing a commit
// twice changes nothing.
func appendPostings(list []byte, seqs []uint64) []byte {
	var last uint64
	empty := len(list) < 8
	if empty {
		list = make([]byte, 8, 8+2*len(seqs))
	} else {
		last = binary.BigEndian.Uint64(list)
		list = append(make([]byte, 0, len(list)+2*len(seqs)), list...)
	}
	for _, seq := range seqs {
		if !empty && seq <= last {
			continue
		}
		gap := seq - last
		if empty {
			gap = seq
		}
		list = binary.AppendUvarint(list, gap)
		last, empty = seq, false
	}
	binary.BigEndian.PutUint64(list, last)
	return list
}

// decodePostings returns the positions of a posting list, ascending.
func decodePostings(list []byte) ([]uint64, error) {
	if len(list) == 0 {
		return nil, nil
	}
	if len(list) < 8 {
		return nil, fmt.Errorf("decode posting list: %w: %d bytes", errCorrupt, len(list))
	}
	d := &decoder{buf: list[8:]}
	var out []uint64
	var seq uint64
	for len(d.buf) > 0 && d.err == nil {
		gap := d.uvarint()
		if len(out) > 0 && gap == 0 {
			d.fail("posting gap")
		}
		seq += gap
		out = append(out, seq)
	}
	if err := d.done("posting list"); err != nil {
		return nil, err
	}
	if len(out) == 0 || out[len(out)-1] != binary.BigEndian.Uint64(list) {
		return nil, fmt.Errorf("decode posting list: %w: last position differs from its header", errCorrupt)
	}
	return out, nil
}
