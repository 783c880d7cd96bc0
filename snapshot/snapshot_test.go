package snapshot

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	legacyCapture = "../captures/cacem-2021/cacem-dechets.csv"
	v1Capture     = "../captures/cacem-api-v1/passages-2024.json"
)

// legacyRecords rebuilds the records that a crawl of the generation-1 site
// gives, from the flattened 2021 capture: one record per address, title and
// week type.
func legacyRecords(tb testing.TB) []Record {
	tb.Helper()
	f, err := os.Open(legacyCapture)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}

	index := map[[3]string]int{}
	var records []Record
	for _, row := range rows[1:] {
		id := [3]string{row[4], row[6], row[8]}
		i, ok := index[id]
		if !ok {
			i = len(records)
			index[id] = i
			records = append(records, Record{
				Place: Place{ID: row[4], Commune: row[1], Quartier: row[3], Voie: row[5]},
				Label: row[6],
			})
		}
		day, ok := ParseDay(row[7])
		if !ok {
			tb.Fatalf("capture row %v: unknown day", row)
		}
		r := &records[i]
		if row[8] != "Impaire" {
			r.EvenWeeks = append(r.EvenWeeks, day)
		}
		if row[8] != "Paire" {
			r.OddWeeks = append(r.OddWeeks, day)
		}
	}
	return records
}

type v1Record struct {
	Commune  string `json:"COMMUNE"`
	Quartier string `json:"QUARTIER"`
	Voie     string `json:"VOIE"`
	Flux     string `json:"FLUX"`
	Even     []int  `json:"semainePaire"`
	Odd      []int  `json:"semaineImpaire"`
}

func v1Records(tb testing.TB) []Record {
	tb.Helper()
	data, err := os.ReadFile(v1Capture)
	if err != nil {
		tb.Fatal(err)
	}
	var page struct{ Data []v1Record }
	if err := json.Unmarshal(data, &page); err != nil {
		tb.Fatal(err)
	}
	records := make([]Record, 0, len(page.Data))
	for _, d := range page.Data {
		records = append(records, Record{
			Place:     Place{Commune: d.Commune, Quartier: d.Quartier, Voie: d.Voie},
			Label:     d.Flux,
			EvenWeeks: weekdays(d.Even),
			OddWeeks:  weekdays(d.Odd),
		})
	}
	return records
}

func weekdays(indexes []int) []time.Weekday {
	out := make([]time.Weekday, len(indexes))
	for i, d := range indexes {
		out[i] = time.Weekday(d)
	}
	return out
}

func TestBuildLegacy2021Counts(t *testing.T) {
	s, warnings := Build(legacyRecords(t), nil)

	if got, want := len(s.Addresses), 2141; got != want {
		t.Errorf("addresses = %d, want %d", got, want)
	}
	if got, want := len(s.Rules), 13554; got != want {
		t.Errorf("rules = %d, want %d", got, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %v, want none", warnings)
	}
}

// TestMissingLegacy2021 checks the missing collections against the analysis
// made directly on the capture: an address lacks a title when no row of it
// has that title, and the combined bulky-items title stands for three streams.
func TestMissingLegacy2021(t *testing.T) {
	records := legacyRecords(t)
	titles := map[string]map[string]bool{}
	for _, r := range records {
		if titles[r.ID] == nil {
			titles[r.ID] = map[string]bool{}
		}
		titles[r.ID][r.Label] = true
	}
	all := []string{
		"Ordures ménagères (bac gris)",
		"Emballages (bac jaune)",
		"Encombrants, déchets verts, DEEE (électroménagers)",
	}
	want := map[[2]string]bool{}
	for id, has := range titles {
		for _, title := range all {
			if has[title] {
				continue
			}
			codes, _ := StreamCodes(title)
			for _, c := range codes {
				want[[2]string{id, c}] = true
			}
		}
	}

	s, _ := Build(records, nil)
	got := map[[2]string]bool{}
	for _, m := range s.Missing() {
		a, _ := s.Address(m.Key)
		got[[2]string{a.ID, m.Flux}] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("missing collections: got %d pairs, want %d", len(got), len(want))
	}
	if len(want) == 0 {
		t.Fatal("the capture analysis found no missing collection")
	}
}

func TestKeyCollisionsLegacy2021(t *testing.T) {
	s, _ := Build(legacyRecords(t), nil)
	byID := map[string]Address{}
	for _, a := range s.Addresses {
		byID[a.ID] = a
	}

	tests := []struct {
		id, key string
	}{
		{"467", "fort-de-france_hyper-centre-ville_rue-louis-blanc~467"},
		{"497", "fort-de-france_hyper-centre-ville_rue-louis-blanc~497"},
		{"724", "fort-de-france_ravine-vilaine_residence-la-charmeuse~724"},
		{"738", "fort-de-france_ravine-vilaine_residence-la-charmeuse~738"},
		{"3", "fort-de-france_balata_absalon"},
	}
	for _, tt := range tests {
		if got := byID[tt.id].Key; got != tt.key {
			t.Errorf("key of address %s = %q, want %q", tt.id, got, tt.key)
		}
	}
	for _, a := range s.Addresses {
		if !ValidKey(a.Key) {
			t.Errorf("address %s: invalid key %q", a.ID, a.Key)
		}
	}
}

func TestBuildV1Capture(t *testing.T) {
	s, warnings := Build(v1Records(t), nil)

	communes := map[string]bool{}
	for _, a := range s.Addresses {
		communes[a.Commune] = true
	}
	wantCommunes := map[string]bool{
		"FORT-DE-FRANCE": true, "LAMENTIN": true, "SAINT-JOSEPH": true, "Schoelcher": true,
	}
	if !reflect.DeepEqual(communes, wantCommunes) {
		t.Errorf("communes = %v, want %v", communes, wantCommunes)
	}

	var dup *Warning
	for i := range warnings {
		if warnings[i].Code == WarnDuplicateRecord {
			dup = &warnings[i]
		}
	}
	if dup == nil || dup.Count != 2 {
		t.Errorf("duplicate warning = %+v, want count 2", dup)
	}

	key := "schoelcher_terreville_impasse-de-la-terre"
	got := s.Schedules()[key][StreamRecycling]
	want := []Slot{{time.Monday, Even}, {time.Friday, Odd}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged duplicate RS of %s = %v, want %v", key, got, want)
	}
}

// TestSpellingVariantsMerge checks that streams published under two
// spellings of one commune form one address that keeps the most frequent
// spelling.
func TestSpellingVariantsMerge(t *testing.T) {
	records := []Record{
		{Place: Place{Commune: "Schoelcher", Quartier: "CLUNY", Voie: "Rue  A"}, Label: "OM",
			EvenWeeks: []time.Weekday{time.Monday}, OddWeeks: []time.Weekday{time.Monday}},
		{Place: Place{Commune: "SCHOELCHER", Quartier: "Cluny", Voie: "rue a"}, Label: "RS",
			EvenWeeks: []time.Weekday{time.Tuesday}},
		{Place: Place{Commune: "SCHŒLCHER", Quartier: "CLUNY", Voie: "Rue  A"}, Label: "DV"},
	}
	s, _ := Build(records, nil)

	if len(s.Addresses) != 1 {
		t.Fatalf("addresses = %d, want 1: %v", len(s.Addresses), s.Addresses)
	}
	want := Address{
		Key: "schoelcher_cluny_rue-a", Commune: "SCHOELCHER", Quartier: "CLUNY", Voie: "Rue  A",
	}
	if s.Addresses[0] != want {
		t.Errorf("address = %+v, want %+v", s.Addresses[0], want)
	}
	if got := len(s.Rules); got != 2 {
		t.Errorf("rules = %d, want 2", got)
	}
	if got := s.Missing(); len(got) != 0 {
		t.Errorf("missing = %v, want none (DV is collected nowhere)", got)
	}
}

func TestUnknownStreamKept(t *testing.T) {
	records := []Record{
		{Place: Place{ID: "1", Commune: "C", Quartier: "Q", Voie: "V"}, Label: "Déchets dangereux",
			EvenWeeks: []time.Weekday{time.Saturday}, OddWeeks: []time.Weekday{time.Saturday}},
	}
	s, warnings := Build(records, nil)

	want := []Rule{{Key: "c_q_v", Flux: "DECHETS_DANGEREUX", Day: time.Saturday, Weeks: Every}}
	if !reflect.DeepEqual(s.Rules, want) {
		t.Errorf("rules = %v, want %v", s.Rules, want)
	}
	if len(warnings) != 1 || warnings[0].Code != WarnUnknownStream || warnings[0].Count != 1 {
		t.Errorf("warnings = %v, want one %s", warnings, WarnUnknownStream)
	}
}

func TestAddressWithoutCollection(t *testing.T) {
	records := []Record{
		{Place: Place{ID: "1", Commune: "C", Quartier: "Q", Voie: "A"}, Label: "OM",
			EvenWeeks: []time.Weekday{time.Monday}},
		{Place: Place{ID: "2", Commune: "C", Quartier: "Q", Voie: "B"}},
	}
	s, _ := Build(records, nil)

	if len(s.Addresses) != 2 {
		t.Fatalf("addresses = %d, want 2", len(s.Addresses))
	}
	want := []Missing{{Key: "c_q_b", Flux: StreamHousehold}}
	if got := s.Missing(); !reflect.DeepEqual(got, want) {
		t.Errorf("missing = %v, want %v", got, want)
	}
}

// TestEncodeDeterministic checks that the order of records, and of the days
// inside them, changes no byte of the files.
func TestEncodeDeterministic(t *testing.T) {
	records := legacyRecords(t)
	s, _ := Build(records, nil)
	want := mustEncode(t, s)

	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		shuffled := make([]Record, len(records))
		copy(shuffled, records)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i := range shuffled {
			shuffled[i].EvenWeeks = reversed(shuffled[i].EvenWeeks)
		}
		s2, _ := Build(shuffled, nil)
		got := mustEncode(t, s2)
		for path := range want {
			if !bytes.Equal(got[path], want[path]) {
				t.Errorf("%s differs after shuffling the records", path)
			}
		}
	}
}

// TestBuilderMatchesBuild checks that records added to a Builder in shuffled
// chunks of varying size give the snapshot and warnings of Build, with and
// without a previous snapshot.
func TestBuilderMatchesBuild(t *testing.T) {
	legacy, v1 := legacyRecords(t), v1Records(t)
	prev, _ := Build(legacy, nil)

	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range []struct {
		name    string
		records []Record
		prev    *Snapshot
	}{{"2021", legacy, nil}, {"2024 after 2021", v1, prev}} {
		t.Run(tt.name, func(t *testing.T) {
			want, wantWarnings := Build(tt.records, tt.prev)

			shuffled := slices.Clone(tt.records)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			b := NewBuilder()
			for len(shuffled) > 0 {
				n := min(1+rng.IntN(8), len(shuffled))
				b.Add(shuffled[:n]...)
				shuffled = shuffled[n:]
			}
			got, gotWarnings := b.Finish(tt.prev)

			if !reflect.DeepEqual(got, want) {
				t.Errorf("Builder snapshot differs from Build: %d addresses and %d rules, want %d and %d",
					len(got.Addresses), len(got.Rules), len(want.Addresses), len(want.Rules))
			}
			if !reflect.DeepEqual(gotWarnings, wantWarnings) {
				t.Errorf("Builder warnings: got %v, want %v", gotWarnings, wantWarnings)
			}
		})
	}
}

func reversed(days []time.Weekday) []time.Weekday {
	out := make([]time.Weekday, len(days))
	for i, d := range days {
		out[len(days)-1-i] = d
	}
	return out
}

func TestDecodeRoundTrip(t *testing.T) {
	for name, records := range map[string][]Record{
		"legacy 2021": legacyRecords(t),
		"v1 2024":     v1Records(t),
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := Build(records, nil)
			got, err := Decode(mustEncode(t, s))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Addresses, s.Addresses) {
				t.Error("Decode(Encode(s)) differs from s in its addresses")
			}
			if !reflect.DeepEqual(got.Rules, s.Rules) {
				t.Error("Decode(Encode(s)) differs from s in its rules")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	s, _ := Build([]Record{{Place: Place{Commune: "C", Quartier: "Q", Voie: "V"}, Label: "OM",
		EvenWeeks: []time.Weekday{time.Monday}}}, nil)
	good := mustEncode(t, s)

	tests := []struct {
		name, path, content string
	}{
		{"bad header", AddressesPath, "key,id\n"},
		{"bad day", RulesPath, "adresse_key,adresse_id,commune,quartier,voie,flux,jour,semaine\nc_q_v,,C,Q,V,OM,Lundy,toutes\n"},
		{"bad weeks", RulesPath, "adresse_key,adresse_id,commune,quartier,voie,flux,jour,semaine\nc_q_v,,C,Q,V,OM,Lundi,chaque\n"},
		{"unknown address", RulesPath, "adresse_key,adresse_id,commune,quartier,voie,flux,jour,semaine\nx_y_z,,C,Q,V,OM,Lundi,toutes\n"},
		{"bad key", AddressesPath, "adresse_key,adresse_id,commune,quartier,voie\n../etc,,C,Q,V\n"},
		{"short row", AddressesPath, "adresse_key,adresse_id,commune,quartier,voie\nc_q_v,,C\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			files[tt.path] = []byte(tt.content)
			if _, err := Decode(files); err == nil {
				t.Errorf("Decode accepted %s", tt.path)
			}
		})
	}
}

// TestEncodeGolden pins the bytes of the files for a small snapshot with a
// collision, a missing stream, quoting and every week value.
func TestEncodeGolden(t *testing.T) {
	records := []Record{
		{Place: Place{ID: "10", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"},
			Label: "Ordures ménagères (bac gris)", EvenWeeks: []time.Weekday{time.Wednesday, time.Saturday},
			OddWeeks: []time.Weekday{time.Wednesday, time.Saturday}},
		{Place: Place{ID: "10", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"},
			Label: "Emballages (bac jaune)", OddWeeks: []time.Weekday{time.Tuesday}},
		{Place: Place{ID: "11", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"},
			Label: "Encombrants, déchets verts, DEEE (électroménagers)", EvenWeeks: []time.Weekday{time.Thursday}},
		{Place: Place{ID: "12", Commune: "SCHOELCHER", Quartier: "CLUNY", Voie: `Résidence "Les Flamboyants", bât. A`},
			Label: "Ordures ménagères (bac gris)", EvenWeeks: []time.Weekday{time.Monday},
			OddWeeks: []time.Weekday{time.Monday}},
	}
	s, _ := Build(records, nil)
	files := mustEncode(t, s)

	for path, content := range files {
		golden := filepath.Join("testdata", filepath.Base(path)+".golden")
		if *update {
			if err := os.WriteFile(golden, content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./snapshot -update to create it)", err)
		}
		if !bytes.Equal(content, want) {
			t.Errorf("%s differs from %s:\n%s", path, golden, content)
		}
	}
}

func mustEncode(tb testing.TB, s *Snapshot) map[string][]byte {
	tb.Helper()
	files, err := Encode(s)
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// TestKeysStableAcrossSnapshots checks that an address keeps its key when
// the address it collided with leaves, and that a newcomer never takes the
// key of an address that left.
func TestKeysStableAcrossSnapshots(t *testing.T) {
	place := func(id string) Place {
		return Place{ID: id, Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"}
	}
	om := func(id string) Record {
		return Record{Place: place(id), Label: "OM", EvenWeeks: []time.Weekday{time.Monday}}
	}
	const name = "fort-de-france_hyper-centre-ville_rue-louis-blanc"

	first, _ := Build([]Record{om("467"), om("497")}, nil)
	second, _ := Build([]Record{om("497")}, first)
	third, _ := Build([]Record{om("500")}, second)
	fresh, _ := Build([]Record{om("500")}, nil)

	tests := []struct {
		name string
		s    *Snapshot
		want []string
	}{
		{"collision", first, []string{name + "~467", name + "~497"}},
		{"collider left", second, []string{name + "~497"}},
		{"newcomer after a departure", third, []string{name + "~500"}},
		{"no history", fresh, []string{name}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range tt.s.Addresses {
				got = append(got, a.Key)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("keys = %v, want %v", got, tt.want)
			}
		})
	}
}
