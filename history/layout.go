package history

import (
	"encoding/binary"

	"github.com/collecte-cacem/collecte/diff"
)

// schemaVersion is the version of the layout of the index file. An index of another
// version is rebuilt from scratch. Raise it whenever the layout or the
// encoding of any value changes.
const schemaVersion = 2

// Buckets of the index file. A position (seq) is the index of a commit in
// main's first-parent history, 0 for the first commit, written as 8
// big-endian bytes so that keys sort in history order. An address number
// is a small integer that the index gives each adresse_key the first time
// a change mentions it, written as 4 big-endian bytes in keys and as a
// uvarint in values.
var (
	// bucketMeta holds the schema version, the head that the index covers
	// and the counters below.
	bucketMeta = []byte("meta")

	// bucketCommits maps a position to the commit record (encodeCommit).
	bucketCommits = []byte("commits")

	// bucketHashes maps a commit hash, 20 bytes, to its position.
	bucketHashes = []byte("hashes")

	// bucketChanges maps a position to the changes of that commit's report
	// (encodeSegments), grouped by address.
	bucketChanges = []byte("changes")

	// bucketAddresses maps an adresse_key to its address number.
	bucketAddresses = []byte("addresses")

	// bucketKeys maps an address number to its adresse_key and the id and
	// names of the first change that mentioned it (encodeAddress with the
	// key), which later changes with the same names do not repeat.
	bucketKeys = []byte("keys")

	// bucketFolded maps an adresse_key in diff.KeyForm, as diff.Selection
	// compares keys, to the address numbers of every key with that form,
	// as uvarints.
	bucketFolded = []byte("folded")

	// bucketPostings maps a term (see addressTerm and placeTerm) to the
	// posting list of the commits whose report has a change it matches.
	bucketPostings = []byte("postings")

	// bucketBaseline maps the adresse_key of every address of the first
	// snapshot to its id and names (encodeAddress).
	bucketBaseline = []byte("baseline")
)

var allBuckets = [][]byte{
	bucketMeta, bucketCommits, bucketHashes, bucketChanges, bucketAddresses,
	bucketKeys, bucketFolded, bucketPostings, bucketBaseline,
}

// Keys of bucketMeta.
var (
	metaSchema = []byte("schema")
	// metaHead is the hash of the newest indexed commit, hexadecimal.
	metaHead = []byte("head")
	// metaCount is the number of indexed commits.
	metaCount = []byte("count")
	// metaNoReport counts the indexed commits without a report.
	metaNoReport = []byte("no_report")
	// metaAddresses is the number of address numbers given.
	metaAddresses = []byte("addresses")
)

func seqKey(seq int) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(seq))
}

func addressNumber(b []byte) uint32 {
	return binary.BigEndian.Uint32(b)
}

// addressTerm is the posting-list key of the commits that changed the
// address with the given number.
func addressTerm(address uint32) string {
	return string(binary.BigEndian.AppendUint32([]byte{'a'}, address))
}

// Fields of a place term: the commune, the quartier, or any place at all
// (with an empty name). Names are in diff.NameForm, as diff.Selection
// compares them.
const (
	fieldCommune  = 'c'
	fieldQuartier = 'q'
	fieldAny      = '*'
)

// Stream tags of a place term: any change, changes with an empty Flux (the
// address kinds), or changes of one stream, followed by its code in
// diff.KeyForm.
const (
	tagAny     = "*"
	tagNoFlux  = "-"
	tagFluxPre = "="
)

// placeTerm is the posting-list key of the commits with a change in field
// named name (in diff.NameForm), restricted by the stream tag.
func placeTerm(field byte, name, tag string) string {
	b := []byte{'p', field}
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	return string(append(b, tag...))
}

// fluxTag returns the stream tag of a change of the stream flux.
func fluxTag(flux string) string {
	if flux == "" {
		return tagNoFlux
	}
	return tagFluxPre + diff.KeyForm(flux)
}

// placeTerms returns the place terms that a change matches, given its
// commune and quartier in diff.NameForm and its stream.
func placeTerms(commune, quartier, flux string) []string {
	tags := []string{tagAny, fluxTag(flux)}
	fields := []struct {
		field byte
		name  string
	}{
		{fieldCommune, commune},
		{fieldQuartier, quartier},
		{fieldAny, ""},
	}
	terms := make([]string, 0, len(tags)*len(fields))
	for _, f := range fields {
		for _, tag := range tags {
			terms = append(terms, placeTerm(f.field, f.name, tag))
		}
	}
	return terms
}
