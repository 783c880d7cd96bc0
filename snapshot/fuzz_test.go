package snapshot

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCSVRoundTrip checks that any published names survive the archive's
// CSV files byte for byte.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("FORT-DE-FRANCE", "HYPER CENTRE-VILLE", "Rue Louis Blanc", "OM")
	f.Add("FORT-DE-FRANCE", "DIDIER", "Rue du professeur Raymond Garcin\r\n(du Vietnam)", "RS")
	f.Add("=cmd", "+1", `"quoted", field`, "Déchets dangereux")
	f.Add(" lead", "trail ", "\r", "\n")

	f.Fuzz(func(t *testing.T, commune, quartier, voie, label string) {
		if !utf8.ValidString(commune + quartier + voie + label) {
			t.Skip("the crawler rejects invalid UTF-8")
		}
		records := []Record{{
			Place:     Place{ID: "7", Commune: commune, Quartier: quartier, Voie: voie},
			Label:     label,
			EvenWeeks: []time.Weekday{time.Monday},
		}}
		s, _ := Build(records, nil)
		files, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(files)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if !reflect.DeepEqual(got.Addresses, s.Addresses) || !reflect.DeepEqual(got.Rules, s.Rules) {
			t.Errorf("round trip changed the snapshot:\n got %+v\nwant %+v", got, s)
		}
	})
}

// FuzzParseDay checks that a parsed day always renders back to a name that
// parses to the same day.
func FuzzParseDay(f *testing.F) {
	for _, name := range []string{"Lundi", "MARDI", " mercredi ", "Dimanche", "Lundy", ""} {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		day, ok := ParseDay(name)
		if !ok {
			return
		}
		again, ok := ParseDay(DayName(day))
		if !ok || again != day {
			t.Errorf("ParseDay(%q) = %v, but DayName gives %q", name, day, DayName(day))
		}
	})
}

func FuzzParseWeeks(f *testing.F) {
	for _, s := range []string{"toutes", "paire", "impaire", "Paire", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, ok := ParseWeeks(s)
		if ok && string(w) != s {
			t.Errorf("ParseWeeks(%q) = %q", s, w)
		}
	})
}

// FuzzFoldASCII checks that the ASCII fast path of Fold gives what the
// general one does.
func FuzzFoldASCII(f *testing.F) {
	for _, s := range []string{"Rue  Louis Blanc ", " HYPER CENTRE-VILLE", "a", "", "A  B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := foldASCII(s)
		if !ok {
			return
		}
		if slow := foldUnicode(s); fast != slow {
			t.Errorf("Fold(%q): ASCII path %q, general path %q", s, fast, slow)
		}
	})
}

// FuzzEncodeMatchesCSVWriter checks that the data files that Encode writes,
// which copy each address's encoded fields into the rows of its rules, are
// byte for byte what encoding/csv writes row by row.
func FuzzEncodeMatchesCSVWriter(f *testing.F) {
	f.Add("FORT-DE-FRANCE", "HYPER CENTRE-VILLE", "Rue Louis Blanc", "7", "DV")
	f.Add(" lead", "trail ", `\.`, "", "A,B")
	f.Add("=cmd", "\"q\"", "l1\r\nl2", "a\"b", "\nX")

	f.Fuzz(func(t *testing.T, commune, quartier, voie, id, flux string) {
		if flux == "" {
			t.Skip("a rule always has a flux")
		}
		s := &Snapshot{
			Addresses: []Address{
				{Key: "a", ID: id, Commune: commune, Quartier: quartier, Voie: voie},
				{Key: "b", Commune: voie, Quartier: commune, Voie: quartier},
			},
			Rules: []Rule{
				{Key: "a", Flux: flux, Day: time.Monday, Weeks: Every},
				{Key: "a", Flux: flux, Day: time.Sunday, Weeks: Odd},
				{Key: "b", Flux: StreamHousehold, Day: time.Friday, Weeks: Even},
			},
		}
		files, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}

		index := map[string]Address{"a": s.Addresses[0], "b": s.Addresses[1]}
		want := map[string][][]string{AddressesPath: {addressColumns}, RulesPath: {ruleColumns}, MissingPath: {missingColumns}}
		for _, a := range s.Addresses {
			want[AddressesPath] = append(want[AddressesPath], addressFields(a))
		}
		for _, r := range s.Rules {
			want[RulesPath] = append(want[RulesPath], append(addressFields(index[r.Key]), r.Flux, DayName(r.Day), string(r.Weeks)))
		}
		for _, m := range s.Missing() {
			want[MissingPath] = append(want[MissingPath], append(addressFields(index[m.Key]), m.Flux))
		}

		for path, rows := range want {
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			if err := w.WriteAll(rows); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(files[path], buf.Bytes()) {
				t.Errorf("%s:\n got %q\nwant %q", path, files[path], buf.Bytes())
			}
		}
	})
}

func addressFields(a Address) []string {
	return []string{a.Key, a.ID, a.Commune, a.Quartier, a.Voie}
}
