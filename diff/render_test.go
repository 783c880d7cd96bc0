package diff

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// sampleReport returns a report with every kind of change, over two
// communes and three quartiers.
func sampleReport(t *testing.T) Report {
	t.Helper()
	fdf := func(key, quartier, voie string, streams map[string]string) street {
		return street{key: key, id: key[len(key)-2:], commune: "FORT-DE-FRANCE", quartier: quartier, voie: voie, streams: streams}
	}
	from := mustSnapshot(t,
		absalon(map[string]string{"OM": "Mercredi Samedi", "RS": "Lundi/impaire", "ENC": "Jeudi/paire"}),
		fdf("fdf-33", "BALATA", "Route de Balata", map[string]string{"OM": "Mardi Vendredi"}),
		fdf("fdf-41", "TERRES-SAINVILLE", "Rue Perrinon", map[string]string{"OM": "Lundi Jeudi"}),
		street{key: "sch-07", id: "07", commune: "SCHOELCHER", quartier: "CASE NAVIRE", voie: "Rue des Arts",
			streams: map[string]string{"OM": "Lundi"}},
	)
	to := mustSnapshot(t,
		absalon(map[string]string{"OM": "Mercredi/paire", "ENC": "Jeudi/paire", "DV": "Vendredi Samedi/impaire"}),
		fdf("fdf-33", "BALATA", "Route de Balata", map[string]string{"OM": "Mardi Vendredi"}),
		fdf("fdf-58", "TERRES-SAINVILLE", "Rue Victor Hugo", map[string]string{"OM": "Lundi"}),
		street{key: "sch-07", id: "07", commune: "SCHOELCHER", quartier: "CASE NAVIRE", voie: "Rue des Arts",
			streams: map[string]string{"OM": "Lundi Mercredi Vendredi"}},
	)

	r := Compare(from, to)
	r.From = "0123456789abcdef0123456789abcdef01234567"
	r.To = "fedcba9876543210fedcba9876543210fedcba98"
	return r
}

func TestWriteJSONGolden(t *testing.T) {
	tests := []struct {
		name   string
		report Report
	}{
		{"report.json.golden", sampleReport(t)},
		{"empty.json.golden", Compare(nil, mustSnapshot(t))},
		{"zero.json.golden", Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, tt.report); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			checkGolden(t, tt.name, b.String())
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, want := range []Report{sampleReport(t), Compare(nil, nil)} {
		var b bytes.Buffer
		if err := WriteJSON(&b, want); err != nil {
			t.Fatalf("WriteJSON: %v", err)
		}
		got, err := ReadJSON(b.Bytes())
		if err != nil {
			t.Fatalf("ReadJSON: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\ngot  %+v\nwant %+v", got, want)
		}
	}
}

func TestJSONStreamFields(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReport(t)); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	out := b.String()
	for _, want := range []string{`"before": []`, `"after": []`, `"changes": [`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
}

func TestReadJSONInvalid(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown kind", `{"changes":[{"kind":"renamed","adresse_key":"k"}]}`, `unknown change kind "renamed"`},
		{"invalid day", `{"changes":[{"kind":"schedule_changed","flux":"OM","before":[{"jour":"Lunedi","semaine":"toutes"}]}]}`, `invalid jour "Lunedi"`},
		{"invalid weeks", `{"changes":[{"kind":"schedule_changed","flux":"OM","after":[{"jour":"Lundi","semaine":"2"}]}]}`, `invalid semaine "2"`},
		{"trailing data", `{"changes":[]} {}`, "unexpected data"},
		{"not JSON", `changes`, "decode report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadJSONRecountsChanges(t *testing.T) {
	r, err := ReadJSON([]byte(`{"changes":[{"kind":"address_added","adresse_key":"k"}],"counts":{"address_added":7}}`))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	if got := r.Counts[KindAddressAdded]; got != 1 {
		t.Errorf("address_added count: got %d, want 1", got)
	}
	if got := len(r.Counts); got != len(kinds) {
		t.Errorf("counted kinds: got %d, want %d", got, len(kinds))
	}
}

func TestWriteMarkdownGolden(t *testing.T) {
	tests := []struct {
		name   string
		report Report
	}{
		{"report.md.golden", sampleReport(t)},
		{"empty.md.golden", Report{To: "fedcba9876543210fedcba9876543210fedcba98"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMarkdown(&b, tt.report); err != nil {
				t.Fatalf("WriteMarkdown: %v", err)
			}
			checkGolden(t, tt.name, b.String())
		})
	}
}

func TestWriteTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleReport(t)); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	checkGolden(t, "report.txt.golden", b.String())
}

func TestWriteTextEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, Report{}); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	if got, want := b.String(), "no changes\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFilterRecounts(t *testing.T) {
	r := sampleReport(t)
	got := r.Filter(func(c Change) bool { return c.Kind == KindCollectionMissing })

	if len(got.Changes) != 1 || got.Changes[0].Flux != "RS" {
		t.Fatalf("changes: got %+v, want the missing RS collection only", got.Changes)
	}
	want := map[string]int{
		KindScheduleChanged: 0, KindCollectionMissing: 1, KindCollectionAdded: 0,
		KindAddressAdded: 0, KindAddressRemoved: 0,
	}
	if !reflect.DeepEqual(got.Counts, want) {
		t.Errorf("counts: got %v, want %v", got.Counts, want)
	}
	if got.From != r.From || got.To != r.To {
		t.Errorf("revisions: got %s..%s, want %s..%s", got.From, got.To, r.From, r.To)
	}

	none := r.Filter(func(Change) bool { return false })
	if none.Changes == nil {
		t.Error("filtered changes are nil, want an empty list")
	}
}
