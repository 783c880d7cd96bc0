package snapshot

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"time"
)

// Paths of the files that Encode writes, relative to the archive root.
const (
	AddressesPath = "data/adresses.csv"
	RulesPath     = "data/collectes.csv"
	MissingPath   = "data/collectes-manquantes.csv"
	PackagePath   = "datapackage.json"
)

// Column names of the three CSV files.
var (
	addressColumns = []string{"adresse_key", "adresse_id", "commune", "quartier", "voie"}
	ruleColumns    = append(addressColumns[:5:5], "flux", "jour", "semaine")
	missingColumns = append(addressColumns[:5:5], "flux")
)

// Encode renders a snapshot as the files of the archive: the three CSV files
// under data/ and datapackage.json. The output depends only on the content
// of s: UTF-8 without BOM, RFC 4180 quoting and LF line endings.
func Encode(s *Snapshot) (map[string][]byte, error) {
	enc := newRowEncoder(len(s.Addresses))

	addresses := enc.encodeAddresses(s.Addresses)
	rules, err := enc.encodeRules(s.Rules)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", RulesPath, err)
	}
	missing, err := enc.encodeMissing(s.Missing())
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", MissingPath, err)
	}
	pkg, err := encodePackage(s.Streams())
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", PackagePath, err)
	}

	return map[string][]byte{
		AddressesPath: addresses,
		RulesPath:     rules,
		MissingPath:   missing,
		PackagePath:   pkg,
	}, nil
}

// EncodeMissing renders a missing-collections list as the CSV file
// data/collectes-manquantes.csv, with the names taken from index.
func EncodeMissing(missing []Missing, index map[string]Address) ([]byte, error) {
	enc := newRowEncoder(0)
	enc.index = index
	return enc.encodeMissing(missing)
}

// rowEncoder writes CSV rows as encoding/csv does. encoding/csv quotes each
// field on its own and joins the fields with commas, so the encoding of a
// row is the concatenation of the encodings of its parts. The encoder thus
// encodes the five address fields of each address once, and copies them
// into every row of its rules and missing collections.
type rowEncoder struct {
	buf bytes.Buffer
	w   *csv.Writer

	// addresses maps an address key to its encoded address fields, and
	// index gives the fields of a key not encoded yet.
	addresses map[string][]byte
	index     map[string]Address
}

func newRowEncoder(addresses int) *rowEncoder {
	e := &rowEncoder{addresses: make(map[string][]byte, addresses)}
	e.w = csv.NewWriter(&e.buf)
	return e
}

// appendFields appends fields to dst as CSV, without a line ending.
func (e *rowEncoder) appendFields(dst []byte, fields ...string) []byte {
	e.buf.Reset()
	// Writes to a bytes.Buffer do not fail, and the comma is the default
	// one, so Write and Flush return no error here.
	_ = e.w.Write(fields)
	e.w.Flush()
	row := e.buf.Bytes()
	return append(dst, row[:len(row)-1]...)
}

// addAddress encodes the address fields of a under key and returns them.
func (e *rowEncoder) addAddress(key string, a Address) []byte {
	row := e.appendFields(nil, a.Key, a.ID, a.Commune, a.Quartier, a.Voie)
	e.addresses[key] = row
	return row
}

// address returns the encoded address fields of key.
func (e *rowEncoder) address(key string) ([]byte, bool) {
	if row, ok := e.addresses[key]; ok {
		return row, true
	}
	a, ok := e.index[key]
	if !ok {
		return nil, false
	}
	return e.addAddress(key, a), true
}

func (e *rowEncoder) encodeAddresses(addresses []Address) []byte {
	rows := make([][]byte, len(addresses))
	size := 0
	for i, a := range addresses {
		rows[i] = e.addAddress(a.Key, a)
		size += len(rows[i]) + 1
	}

	out := e.header(size, addressColumns)
	for _, row := range rows {
		out = append(out, row...)
		out = append(out, '\n')
	}
	return out
}

func (e *rowEncoder) encodeRules(rules []Rule) ([]byte, error) {
	// A snapshot has a few streams, seven days and three week values, so
	// the encoded tails of its rules repeat.
	type tail struct {
		flux  string
		day   time.Weekday
		weeks Weeks
	}
	tails := map[tail][]byte{}

	return e.encodeRows(ruleColumns, len(rules), "rule", func(i int) (string, []byte) {
		r := rules[i]
		t := tail{r.Flux, r.Day, r.Weeks}
		if tails[t] == nil {
			tails[t] = e.appendFields([]byte{','}, r.Flux, DayName(r.Day), string(r.Weeks))
		}
		return r.Key, tails[t]
	})
}

func (e *rowEncoder) encodeMissing(missing []Missing) ([]byte, error) {
	tails := map[string][]byte{}

	return e.encodeRows(missingColumns, len(missing), "missing collection", func(i int) (string, []byte) {
		m := missing[i]
		if tails[m.Flux] == nil {
			tails[m.Flux] = e.appendFields([]byte{','}, m.Flux)
		}
		return m.Key, tails[m.Flux]
	})
}

// encodeRows renders the header row of columns, then n rows. Row i is the
// encoded address fields of the key that row returns, followed by the tail
// it returns, which starts with a comma. kind names a row in errors.
func (e *rowEncoder) encodeRows(columns []string, n int, kind string, row func(i int) (key string, tail []byte)) ([]byte, error) {
	type parts struct{ address, tail []byte }
	rows := make([]parts, n)
	size := 0
	for i := range n {
		key, tail := row(i)
		a, ok := e.address(key)
		if !ok {
			return nil, fmt.Errorf("%s for unknown address %q", kind, key)
		}
		rows[i] = parts{a, tail}
		size += len(a) + len(tail) + 1
	}

	out := e.header(size, columns)
	for _, r := range rows {
		out = append(out, r.address...)
		out = append(out, r.tail...)
		out = append(out, '\n')
	}
	return out, nil
}

// header returns a buffer for rows of size bytes that starts with the header
// row of columns.
func (e *rowEncoder) header(size int, columns []string) []byte {
	out := e.appendFields(make([]byte, 0, size+128), columns...)
	return append(out, '\n')
}
