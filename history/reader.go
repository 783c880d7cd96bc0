package history

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
	bolt "go.etcd.io/bbolt"
)

// Reader reads one consistent state of the index, inside the read
// transaction of Index.View. It must not be used after View returns.
type Reader struct {
	tx *bolt.Tx
	st state

	// registered caches the key and names registered for each address
	// number read so far.
	registered map[uint32]snapshot.Address
}

// AddressChanges is one commit that changed an address, with the changes
// of that address in the commit's report, in the report's order.
type AddressChanges struct {
	Commit  Commit
	Changes []diff.Change
}

// Len returns the number of indexed commits. Positions go from 0 to
// Len()-1.
func (r *Reader) Len() int {
	return r.st.count
}

// Head returns the hash of the newest indexed commit.
func (r *Reader) Head() string {
	return r.st.head
}

// MissingReports returns the number of indexed commits without a report.
func (r *Reader) MissingReports() int {
	return r.st.noReport
}

// Commit returns the commit at position seq.
func (r *Reader) Commit(seq int) (Commit, error) {
	data := r.tx.Bucket(bucketCommits).Get(seqKey(seq))
	if data == nil {
		return Commit{}, fmt.Errorf("read indexed commit %d of %d: %w: not found", seq, r.st.count, errCorrupt)
	}
	return decodeCommit(seq, data)
}

// Commits returns every indexed commit, newest first, as archive.Log
// orders them.
func (r *Reader) Commits() ([]Commit, error) {
	out := make([]Commit, 0, r.st.count)
	c := r.tx.Bucket(bucketCommits).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		seq := int(binary.BigEndian.Uint64(k))
		rec, err := decodeCommit(seq, v)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if len(out) != r.st.count {
		return nil, fmt.Errorf("read indexed commits: %w: %d records for %d commits", errCorrupt, len(out), r.st.count)
	}
	return out, nil
}

// Find returns the indexed commit with the full hash, and false when no
// indexed commit has it.
func (r *Reader) Find(hash string) (Commit, bool, error) {
	raw, err := hex.DecodeString(hash)
	if err != nil || len(raw) != 20 {
		return Commit{}, false, nil
	}
	data := r.tx.Bucket(bucketHashes).Get(raw)
	if data == nil {
		return Commit{}, false, nil
	}
	if len(data) != 8 {
		return Commit{}, false, fmt.Errorf("find commit %s: %w", hash, errCorrupt)
	}
	c, err := r.Commit(int(binary.BigEndian.Uint64(data)))
	return c, err == nil, err
}

// Address returns the commits whose report changes the address key,
// compared byte for byte, newest first, with those changes.
func (r *Reader) Address(key string) ([]AddressChanges, error) {
	number, ok, err := r.number(key)
	if err != nil || !ok {
		return nil, err
	}
	seqs, err := r.postings(addressTerm(number))
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", key, err)
	}

	out := make([]AddressChanges, 0, len(seqs))
	for _, seq := range slices.Backward(seqs) {
		c, err := r.Commit(int(seq))
		if err != nil {
			return nil, err
		}
		changes, err := r.addressChanges(int(seq), number)
		if err != nil {
			return nil, err
		}
		out = append(out, AddressChanges{Commit: c, Changes: changes})
	}
	return out, nil
}

// number returns the address number of key.
func (r *Reader) number(key string) (uint32, bool, error) {
	data := r.tx.Bucket(bucketAddresses).Get([]byte(key))
	if data == nil {
		return 0, false, nil
	}
	if len(data) != 4 {
		return 0, false, fmt.Errorf("address number of %q: %w", key, errCorrupt)
	}
	return addressNumber(data), true, nil
}

// addressChanges returns the changes of the address number in the commit
// at position seq.
func (r *Reader) addressChanges(seq int, number uint32) ([]diff.Change, error) {
	segments, err := decodeSegments(r.tx.Bucket(bucketChanges).Get(seqKey(seq)))
	if err != nil {
		return nil, fmt.Errorf("read changes of commit %d: %w", seq, err)
	}
	for _, s := range segments {
		if s.number != number {
			continue
		}
		registered, err := r.address(number)
		if err != nil {
			return nil, err
		}
		changes, _, err := decodeChanges(s.data, registered)
		return changes, err
	}
	return nil, fmt.Errorf("read changes of address %d in commit %d: %w: posted but not stored", number, seq, errCorrupt)
}

// address returns the key and names registered for an address number.
func (r *Reader) address(number uint32) (snapshot.Address, error) {
	if a, ok := r.registered[number]; ok {
		return a, nil
	}
	a, err := registeredAddress(r.tx, binary.BigEndian.AppendUint32(nil, number))
	if err != nil {
		return snapshot.Address{}, err
	}
	if r.registered == nil {
		r.registered = map[uint32]snapshot.Address{}
	}
	r.registered[number] = a
	return a, nil
}

// InFirstSnapshot reports whether the address key is in the snapshot of
// the first commit.
func (r *Reader) InFirstSnapshot(key string) bool {
	return r.tx.Bucket(bucketBaseline).Get([]byte(key)) != nil
}

// FirstSnapshot returns the addresses of the first commit's snapshot,
// sorted by key.
func (r *Reader) FirstSnapshot() ([]snapshot.Address, error) {
	var out []snapshot.Address
	err := r.tx.Bucket(bucketBaseline).ForEach(func(k, v []byte) error {
		a, err := decodeAddress(v, string(k), false)
		out = append(out, a)
		return err
	})
	return out, err
}

// Report returns the report of the commit at position seq as diff.ReadJSON
// decodes it, or an empty report when the commit has none.
func (r *Reader) Report(seq int) (diff.Report, error) {
	c, err := r.Commit(seq)
	if err != nil {
		return diff.Report{}, err
	}

	segments, err := decodeSegments(r.tx.Bucket(bucketChanges).Get(seqKey(seq)))
	if err != nil {
		return diff.Report{}, fmt.Errorf("read report of commit %s: %w", c.Hash, err)
	}
	var changes []diff.Change
	var positions []int
	for _, s := range segments {
		registered, err := r.address(s.number)
		if err != nil {
			return diff.Report{}, err
		}
		own, pos, err := decodeChanges(s.data, registered)
		if err != nil {
			return diff.Report{}, err
		}
		changes = append(changes, own...)
		positions = append(positions, pos...)
	}

	ordered, err := inReportOrder(changes, positions)
	if err != nil {
		return diff.Report{}, fmt.Errorf("read report of commit %s: %w", c.Hash, err)
	}
	all := func(diff.Change) bool { return true }
	return diff.Report{From: c.From, To: c.To, Changes: ordered}.Filter(all), nil
}

// inReportOrder puts each change at its position in the report. The
// positions must be 0 to len(changes)-1, each once.
func inReportOrder(changes []diff.Change, positions []int) ([]diff.Change, error) {
	out := make([]diff.Change, len(changes))
	placed := make([]bool, len(changes))
	for i, pos := range positions {
		if pos >= len(out) || placed[pos] {
			return nil, fmt.Errorf("%w: change position %d of %d", errCorrupt, pos, len(out))
		}
		out[pos], placed[pos] = changes[i], true
	}
	return out, nil
}

// Candidates returns the positions, newest first, of the commits whose
// report may have a change that sel matches. Every commit with such a
// change is in the list, and a few without may be too, so the caller
// applies sel to each report. It returns nil for a selection that follows
// everything (sel.Empty), because every commit matches it.
func (r *Reader) Candidates(sel diff.Selection) ([]int, error) {
	if sel.Empty() {
		return nil, nil
	}
	terms, err := r.selectionTerms(sel)
	if err != nil {
		return nil, err
	}

	seen := map[uint64]bool{}
	for _, term := range terms {
		seqs, err := r.postings(term)
		if err != nil {
			return nil, err
		}
		for _, seq := range seqs {
			seen[seq] = true
		}
	}

	out := make([]int, 0, len(seen))
	for seq := range seen {
		out = append(out, int(seq))
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// selectionTerms returns the posting-list terms whose union holds every
// commit with a change that sel matches. Address terms ignore the streams
// of sel, because an address changes in few commits and the caller's
// filter is cheap there.
func (r *Reader) selectionTerms(sel diff.Selection) ([]string, error) {
	tags := []string{tagAny}
	if len(sel.Flux) > 0 {
		tags = []string{tagNoFlux}
		for _, f := range sel.Flux {
			tags = append(tags, tagFluxPre+diff.KeyForm(f))
		}
	}

	var terms []string
	places := []struct {
		field byte
		names []string
	}{{fieldCommune, sel.Communes}, {fieldQuartier, sel.Quartiers}}
	if len(sel.Communes) == 0 && len(sel.Quartiers) == 0 && len(sel.Adresses) == 0 {
		places = []struct {
			field byte
			names []string
		}{{fieldAny, []string{""}}}
	}
	for _, p := range places {
		for _, name := range p.names {
			for _, tag := range tags {
				terms = append(terms, placeTerm(p.field, diff.NameForm(name), tag))
			}
		}
	}

	for _, key := range sel.Adresses {
		numbers, err := r.foldedNumbers(key)
		if err != nil {
			return nil, err
		}
		for _, n := range numbers {
			terms = append(terms, addressTerm(n))
		}
	}
	return terms, nil
}

// foldedNumbers returns the address numbers of every key that has the
// diff.KeyForm of key.
func (r *Reader) foldedNumbers(key string) ([]uint32, error) {
	d := &decoder{buf: r.tx.Bucket(bucketFolded).Get([]byte(diff.KeyForm(key)))}
	var out []uint32
	for len(d.buf) > 0 && d.err == nil {
		n := d.uvarint()
		if n > 1<<32-1 {
			d.fail("address number")
		}
		out = append(out, uint32(n))
	}
	return out, d.done("folded key " + key)
}

func (r *Reader) postings(term string) ([]uint64, error) {
	return decodePostings(r.tx.Bucket(bucketPostings).Get([]byte(term)))
}
