package history

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// state is the content of bucketMeta.
type state struct {
	schema    uint64
	head      string
	count     int
	noReport  int
	addresses uint32
}

// readState reads bucketMeta, or returns the zero state for a file
// without it.
func readState(tx *bolt.Tx) (state, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return state{}, nil
	}

	st := state{head: string(meta.Get(metaHead))}
	schema, err1 := metaUint(meta, metaSchema)
	count, err2 := metaUint(meta, metaCount)
	noReport, err3 := metaUint(meta, metaNoReport)
	addresses, err4 := metaUint(meta, metaAddresses)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return state{}, err
	}
	if addresses > 1<<32-1 {
		return state{}, fmt.Errorf("read index metadata: %w: address count %d", errCorrupt, addresses)
	}

	st.schema, st.count, st.noReport, st.addresses = schema, int(count), int(noReport), uint32(addresses)
	return st, nil
}

// metaUint reads a uvarint of bucketMeta that fits in an int, 0 when the
// key is absent.
func metaUint(meta *bolt.Bucket, key []byte) (uint64, error) {
	data := meta.Get(key)
	if data == nil {
		return 0, nil
	}
	n, size := binary.Uvarint(data)
	if size != len(data) || n > uint64(maxInt) {
		return 0, fmt.Errorf("read index metadata %s: %w", key, errCorrupt)
	}
	return n, nil
}

func writeState(tx *bolt.Tx, st state) error {
	meta := tx.Bucket(bucketMeta)
	puts := []struct {
		key   []byte
		value []byte
	}{
		{metaSchema, binary.AppendUvarint(nil, st.schema)},
		{metaHead, []byte(st.head)},
		{metaCount, binary.AppendUvarint(nil, uint64(st.count))},
		{metaNoReport, binary.AppendUvarint(nil, uint64(st.noReport))},
		{metaAddresses, binary.AppendUvarint(nil, uint64(st.addresses))},
	}
	for _, p := range puts {
		if err := meta.Put(p.key, p.value); err != nil {
			return fmt.Errorf("write index metadata %s: %w", p.key, err)
		}
	}
	return nil
}

// reset empties the index and writes an empty state of the current schema.
func reset(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		err := tx.DeleteBucket(name)
		if err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return fmt.Errorf("reset history index: delete bucket %s: %w", name, err)
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("reset history index: create bucket %s: %w", name, err)
		}
	}
	return writeState(tx, state{schema: schemaVersion})
}

// writeBatch indexes data, oldest first, in one write transaction.
func writeBatch(db *bolt.DB, data []commitData) error {
	return db.Update(func(tx *bolt.Tx) error {
		w, err := newWriter(tx)
		if err != nil {
			return err
		}
		for _, cd := range data {
			if err := w.add(cd); err != nil {
				return err
			}
		}
		return w.flush()
	})
}

// writer adds commits, oldest first, to the index in one write
// transaction. Posting lists are gathered in memory and written by flush,
// which also records the new head. Until then, the transaction is not
// consistent.
type writer struct {
	tx        *bolt.Tx
	st        state
	postings  map[string][]uint64
	nameForms map[string]string
}

func newWriter(tx *bolt.Tx) (*writer, error) {
	st, err := readState(tx)
	if err != nil {
		return nil, err
	}
	// These buckets are written in key order, so their pages can be filled
	// to 95% at a split instead of bbolt's default of 50%.
	tx.Bucket(bucketCommits).FillPercent = 0.95
	tx.Bucket(bucketChanges).FillPercent = 0.95
	return &writer{tx: tx, st: st, postings: map[string][]uint64{}, nameForms: map[string]string{}}, nil
}

// add indexes one commit, which must be the child of the current head.
func (w *writer) add(cd commitData) error {
	c := cd.commit
	if c.Parent != w.st.head {
		return fmt.Errorf("index commit %s: its parent %q is not the indexed head %q", c.Hash, c.Parent, w.st.head)
	}
	seq := w.st.count
	rec := Commit{Commit: c, Seq: seq, HasReport: cd.report != nil, Manifest: cd.manifest}
	rec.Message = ""
	if cd.report != nil {
		rec.From, rec.To, rec.Counts = cd.report.From, cd.report.To, cd.report.Counts
	}
	if err := w.putCommit(rec); err != nil {
		return err
	}

	if cd.report == nil {
		w.st.noReport++
	} else if err := w.addChanges(seq, cd.report.Changes); err != nil {
		return fmt.Errorf("index changes of commit %s: %w", c.Hash, err)
	}
	if err := w.addBaseline(cd.baseline); err != nil {
		return fmt.Errorf("index first snapshot %s: %w", c.Hash, err)
	}

	w.st.head = c.Hash
	w.st.count++
	if testHookAdded != nil {
		testHookAdded(seq)
	}
	return nil
}

// testHookAdded, when set, is called inside the write transaction after
// each commit is added. The crash test uses it to kill an update midway.
var testHookAdded func(seq int)

func (w *writer) putCommit(rec Commit) error {
	data, err := encodeCommit(rec)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bucketCommits).Put(seqKey(rec.Seq), data); err != nil {
		return fmt.Errorf("index commit %s: %w", rec.Hash, err)
	}
	hash, _ := hex.DecodeString(rec.Hash) // encodeCommit checked it
	if err := w.tx.Bucket(bucketHashes).Put(hash, seqKey(rec.Seq)); err != nil {
		return fmt.Errorf("index commit %s: %w", rec.Hash, err)
	}
	return nil
}

// addChanges stores the changes of the commit grouped by address, with
// their positions in the report, and adds the commit to the posting lists
// they match.
func (w *writer) addChanges(seq int, changes []diff.Change) error {
	byKey := map[string][]int{}
	var keys []string
	for i, c := range changes {
		if _, seen := byKey[c.AdresseKey]; !seen {
			keys = append(keys, c.AdresseKey)
		}
		byKey[c.AdresseKey] = append(byKey[c.AdresseKey], i)
	}

	segments := make([]segment, 0, len(keys))
	for _, key := range keys {
		positions := byKey[key]
		own := make([]diff.Change, 0, len(positions))
		for _, i := range positions {
			own = append(own, changes[i])
		}
		number, registered, err := w.address(own[0])
		if err != nil {
			return err
		}
		segments = append(segments, segment{number: number, data: encodeChanges(own, positions, registered)})
		w.post(addressTerm(number), seq)
	}
	if len(segments) > 0 {
		if err := w.tx.Bucket(bucketChanges).Put(seqKey(seq), encodeSegments(segments)); err != nil {
			return fmt.Errorf("store changes: %w", err)
		}
	}

	for _, c := range changes {
		for _, term := range w.placeTerms(c) {
			w.post(term, seq)
		}
	}
	return nil
}

// placeTerms returns the place terms that c matches, with the forms of
// its names cached for the batch.
func (w *writer) placeTerms(c diff.Change) []string {
	return placeTerms(w.nameForm(c.Commune), w.nameForm(c.Quartier), c.Flux)
}

func (w *writer) nameForm(name string) string {
	form, ok := w.nameForms[name]
	if !ok {
		form = diff.NameForm(name)
		w.nameForms[name] = form
	}
	return form
}

// post adds seq to the posting list of term, once.
func (w *writer) post(term string, seq int) {
	list := w.postings[term]
	if n := len(list); n > 0 && list[n-1] == uint64(seq) {
		return
	}
	w.postings[term] = append(list, uint64(seq))
}

// address returns the number of the address of c and the names it was
// registered with, registering it with the names of c when its key is new
// to the index.
func (w *writer) address(c diff.Change) (uint32, snapshot.Address, error) {
	key := c.AdresseKey
	addresses := w.tx.Bucket(bucketAddresses)
	if data := addresses.Get([]byte(key)); data != nil {
		if len(data) != 4 {
			return 0, snapshot.Address{}, fmt.Errorf("address number of %q: %w", key, errCorrupt)
		}
		registered, err := registeredAddress(w.tx, data)
		return addressNumber(data), registered, err
	}

	number := w.st.addresses
	w.st.addresses++
	numberKey := binary.BigEndian.AppendUint32(nil, number)
	registered := snapshot.Address{Key: key, ID: c.AdresseID, Commune: c.Commune, Quartier: c.Quartier, Voie: c.Voie}
	if err := addresses.Put([]byte(key), numberKey); err != nil {
		return 0, snapshot.Address{}, fmt.Errorf("store address number of %q: %w", key, err)
	}
	if err := w.tx.Bucket(bucketKeys).Put(numberKey, encodeAddress(registered, true)); err != nil {
		return 0, snapshot.Address{}, fmt.Errorf("store address number of %q: %w", key, err)
	}

	folded := w.tx.Bucket(bucketFolded)
	foldedKey := []byte(diff.KeyForm(key))
	list := slices.Clone(folded.Get(foldedKey))
	if err := folded.Put(foldedKey, binary.AppendUvarint(list, uint64(number))); err != nil {
		return 0, snapshot.Address{}, fmt.Errorf("store folded key of %q: %w", key, err)
	}
	return number, registered, nil
}

// registeredAddress returns the key and names registered for the address
// number, 4 big-endian bytes.
func registeredAddress(tx *bolt.Tx, number []byte) (snapshot.Address, error) {
	data := tx.Bucket(bucketKeys).Get(number)
	if data == nil {
		return snapshot.Address{}, fmt.Errorf("read address %x: %w: not registered", number, errCorrupt)
	}
	return decodeAddress(data, "", true)
}

func (w *writer) addBaseline(addresses []snapshot.Address) error {
	baseline := w.tx.Bucket(bucketBaseline)
	for _, a := range addresses {
		if err := baseline.Put([]byte(a.Key), encodeAddress(a, false)); err != nil {
			return fmt.Errorf("store address %q: %w", a.Key, err)
		}
	}
	return nil
}

// flush writes the gathered posting lists and the new state.
func (w *writer) flush() error {
	postings := w.tx.Bucket(bucketPostings)
	for _, term := range slices.Sorted(maps.Keys(w.postings)) {
		list := appendPostings(postings.Get([]byte(term)), w.postings[term])
		if err := postings.Put([]byte(term), list); err != nil {
			return fmt.Errorf("store posting list: %w", err)
		}
	}
	clear(w.postings)
	return writeState(w.tx, w.st)
}
