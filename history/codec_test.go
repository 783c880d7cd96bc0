package history

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

func TestChangesRoundTrip(t *testing.T) {
	changes := []diff.Change{
		{Kind: diff.KindScheduleChanged, AdresseKey: "k", AdresseID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon",
			Flux: "OM", Before: []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Every}}, After: []snapshot.Slot{{Day: time.Sunday, Weeks: snapshot.Odd}}},
		{Kind: diff.KindCollectionMissing, AdresseKey: "k", AdresseID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon",
			Flux: "DECHETS_DANGEREUX", Before: []snapshot.Slot{{Day: time.Saturday, Weeks: snapshot.Even}}},
		{Kind: diff.KindAddressRemoved, AdresseKey: "k", AdresseID: "", Commune: "Schœlcher", Quartier: "", Voie: "Rue\n<b>"},
		{Kind: "kind_from_a_later_version", AdresseKey: "k", Commune: "Schœlcher", Voie: "Rue\n<b>", Flux: "om",
			After: []snapshot.Slot{{Day: time.Tuesday, Weeks: "weeks_from_a_later_version"}}},
		{Kind: diff.KindAddressAdded, AdresseKey: "k", AdresseID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"},
	}
	positions := []int{4, 7, 8, 9, 12}
	registered := snapshot.Address{Key: "k", ID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"}

	got, gotPositions, err := decodeChanges(encodeChanges(changes, positions, registered), registered)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, changes) {
		t.Errorf("changes = %+v, want %+v", got, changes)
	}
	if !slices.Equal(gotPositions, positions) {
		t.Errorf("positions = %v, want %v", gotPositions, positions)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	instant := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	times := []time.Time{
		instant,
		instant.In(time.FixedZone("", -4*3600)),
		instant.In(time.FixedZone("AST", -4*3600)),
		instant.Add(123 * time.Nanosecond).In(time.FixedZone("", 5*3600+30*60)),
		time.Unix(-1, 0).UTC(),
	}
	for _, want := range times {
		e := &encoder{}
		e.time(want)
		d := &decoder{buf: e.buf}
		got := d.time()
		if err := d.done("time"); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.String() != want.String() || got.Location().String() != want.Location().String() {
			t.Errorf("time = %s (%s), want %s (%s)", got, got.Location(), want, want.Location())
		}
	}
}

func TestPostingsAppend(t *testing.T) {
	list := appendPostings(nil, []uint64{0, 3, 3, 200})
	list = appendPostings(list, []uint64{200, 150, 201, 100000})

	got, err := decodePostings(list)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{0, 3, 200, 201, 100000}; !slices.Equal(got, want) {
		t.Errorf("postings = %v, want %v", got, want)
	}
}

func TestDecodeRejectsTruncatedValues(t *testing.T) {
	registered := snapshot.Address{Key: "k"}
	changes := encodeChanges([]diff.Change{{Kind: diff.KindAddressAdded, AdresseKey: "k", Voie: "Rue"}}, []int{0}, registered)
	commit, err := encodeCommit(Commit{})
	if err == nil {
		t.Fatalf("encodeCommit of a commit without hash = %x, want an error", commit)
	}
	postings := appendPostings(nil, []uint64{1, 2, 3})

	for n := range len(changes) - 1 {
		if _, _, err := decodeChanges(changes[:n], registered); err == nil {
			t.Errorf("decodeChanges of %d of %d bytes: no error", n, len(changes))
		}
	}
	for n := range len(postings) - 1 {
		if n == 0 {
			continue // an empty value is an empty list
		}
		if _, err := decodePostings(postings[:n]); err == nil {
			t.Errorf("decodePostings of %d of %d bytes: no error", n, len(postings))
		}
	}
}

func FuzzDecode(f *testing.F) {
	registered := snapshot.Address{Key: "k", Voie: "Rue"}
	f.Add(encodeChanges([]diff.Change{{Kind: diff.KindScheduleChanged, Flux: "OM",
		Before: []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Every}}}}, []int{0}, registered))
	f.Add(encodeSegments([]segment{{number: 3, data: []byte{1, 2}}}))
	f.Add(appendPostings(nil, []uint64{1, 5}))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeChanges(data, registered)
		decodeSegments(data)
		decodePostings(data)
		decodeCommit(0, data)
		decodeAddress(data, "k", false)
		decodeAddress(data, "", true)
	})
}
