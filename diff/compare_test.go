package diff

import (
	"reflect"
	"testing"

	"github.com/collecte-cacem/collecte/snapshot"
)

func TestCompareKinds(t *testing.T) {
	other := street{
		key: "lamentin/centre/rue-a", commune: "LE LAMENTIN", quartier: "CENTRE", voie: "Rue A",
		streams: map[string]string{"OM": "Lundi"},
	}
	tests := []struct {
		name     string
		from, to *snapshot.Snapshot
		want     []Change
	}{
		{
			name: "identical",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Mercredi Samedi"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Mercredi Samedi"})),
			want: []Change{},
		},
		{
			name: "same slots in another order",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Samedi Mercredi Samedi"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Mercredi Samedi"})),
			want: []Change{},
		},
		{
			name: "schedule changed",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Mercredi Samedi"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Mercredi/paire"})),
			want: []Change{streamChangeOf(t, KindScheduleChanged, "OM", "Mercredi Samedi", "Mercredi/paire")},
		},
		{
			name: "collection missing",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Lundi", "RS": "Jeudi/impaire"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			want: []Change{streamChangeOf(t, KindCollectionMissing, "RS", "Jeudi/impaire", "")},
		},
		{
			name: "collection added",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Lundi", "DV": "Vendredi"})),
			want: []Change{streamChangeOf(t, KindCollectionAdded, "DV", "", "Vendredi")},
		},
		{
			name: "address added without stream changes",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"}), other),
			want: []Change{{Kind: KindAddressAdded, AdresseKey: other.key, Commune: "LE LAMENTIN", Quartier: "CENTRE", Voie: "Rue A"}},
		},
		{
			name: "address removed without stream changes",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"}), other),
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			want: []Change{{Kind: KindAddressRemoved, AdresseKey: other.key, Commune: "LE LAMENTIN", Quartier: "CENTRE", Voie: "Rue A"}},
		},
		{
			name: "address without any collection added",
			from: mustSnapshot(t),
			to:   mustSnapshot(t, absalon(nil)),
			want: []Change{{Kind: KindAddressAdded, AdresseKey: absalon(nil).key, AdresseID: "12", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"}},
		},
		{
			name: "nil from is a baseline",
			from: nil,
			to:   mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			want: []Change{},
		},
		{
			name: "nil to removes every address",
			from: mustSnapshot(t, absalon(map[string]string{"OM": "Lundi"})),
			to:   nil,
			want: []Change{{Kind: KindAddressRemoved, AdresseKey: absalon(nil).key, AdresseID: "12", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"}},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.from, tt.to)
			if !reflect.DeepEqual(got.Changes, tt.want) {
				t.Errorf("changes:\ngot  %+v\nwant %+v", got.Changes, tt.want)
			}
			if !reflect.DeepEqual(got.Counts, countKinds(tt.want)) {
				t.Errorf("counts: got %v, want %v", got.Counts, countKinds(tt.want))
			}
		})
	}
}

// streamChangeOf returns the expected change of kind at absalon.
func streamChangeOf(t *testing.T, kind, flux, before, after string) Change {
	t.Helper()
	a := absalon(nil)
	return Change{
		Kind: kind, AdresseKey: a.key, AdresseID: a.id,
		Commune: a.commune, Quartier: a.quartier, Voie: a.voie,
		Flux: flux, Before: mustSlots(t, before), After: mustSlots(t, after),
	}
}

func TestCompareNamesFromNewer(t *testing.T) {
	old := absalon(map[string]string{"OM": "Lundi"})
	renamed := absalon(map[string]string{"OM": "Mardi"})
	renamed.voie, renamed.id = "Rue Absalon", "99"

	got := Compare(mustSnapshot(t, old), mustSnapshot(t, renamed)).Changes
	if len(got) != 1 {
		t.Fatalf("got %d changes, want 1: %+v", len(got), got)
	}
	if got[0].Voie != "Rue Absalon" {
		t.Errorf("voie: got %q, want %q", got[0].Voie, "Rue Absalon")
	}
	if got[0].AdresseID != "99" {
		t.Errorf("adresse id: got %q, want %q", got[0].AdresseID, "99")
	}
}

func TestCompareOrder(t *testing.T) {
	streets := []street{
		{key: "k4", commune: "Schoelcher", quartier: "Batelière", voie: "Rue B"},
		{key: "k3", commune: "SCHOELCHER", quartier: "BATELIERE", voie: "Rue A"},
		{key: "k2", commune: "FORT-DE-FRANCE", quartier: "BALATA", voie: "Absalon"},
		{key: "k1", commune: "FORT-DE-FRANCE", quartier: "BALATA", voie: "Absalon"},
	}
	from := mustSnapshot(t, street{key: "k5", commune: "FORT-DE-FRANCE", quartier: "BALATA", voie: "Absalon",
		streams: map[string]string{"ZZ": "Lundi", "RS": "Lundi", "OM": "Lundi", "DEEE": "Lundi"}})
	to := mustSnapshot(t, append(streets, street{key: "k5", commune: "FORT-DE-FRANCE", quartier: "BALATA", voie: "Absalon",
		streams: map[string]string{"AA": "Lundi"}})...)

	var got []string
	for _, c := range Compare(from, to).Changes {
		got = append(got, c.AdresseKey+" "+c.Kind+" "+c.Flux)
	}
	want := []string{
		"k1 address_added ",
		"k2 address_added ",
		"k5 collection_missing OM",
		"k5 collection_missing RS",
		"k5 collection_missing DEEE",
		"k5 collection_missing ZZ",
		"k5 collection_added AA",
		"k3 address_added ",
		"k4 address_added ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order:\ngot  %q\nwant %q", got, want)
	}
}
