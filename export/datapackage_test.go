package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/snapshot"
)

// legacyCache keeps the 2021 snapshot between tests, which only read it.
var legacyCache struct {
	sync.Mutex
	s *snapshot.Snapshot
}

// legacySnapshot returns the snapshot of the real May 2021 capture.
func legacySnapshot(tb testing.TB) *snapshot.Snapshot {
	tb.Helper()
	legacyCache.Lock()
	defer legacyCache.Unlock()
	if legacyCache.s == nil {
		legacyCache.s = buildLegacy(tb)
	}
	return legacyCache.s
}

// buildLegacy groups the rows of the 2021 capture into one record per
// address, title and week type, as a crawl of the generation-1 site does.
func buildLegacy(tb testing.TB) *snapshot.Snapshot {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(captures.Legacy2021())).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}

	index := map[[3]string]int{}
	var records []snapshot.Record
	for _, row := range rows[1:] {
		id := [3]string{row[4], row[6], row[8]}
		i, ok := index[id]
		if !ok {
			i = len(records)
			index[id] = i
			records = append(records, snapshot.Record{
				Place: snapshot.Place{ID: row[4], Commune: row[1], Quartier: row[3], Voie: row[5]},
				Label: row[6],
			})
		}
		day, ok := snapshot.ParseDay(row[7])
		if !ok {
			tb.Fatalf("capture row %v: unknown day", row)
		}
		if row[8] != "Impaire" {
			records[i].EvenWeeks = append(records[i].EvenWeeks, day)
		}
		if row[8] != "Paire" {
			records[i].OddWeeks = append(records[i].OddWeeks, day)
		}
	}
	s, _ := snapshot.Build(records, nil)
	return s
}

// v1Snapshot builds the snapshot of the real September 2024 capture.
func v1Snapshot(tb testing.TB) *snapshot.Snapshot {
	tb.Helper()
	var page struct {
		Data []struct {
			Commune  string `json:"COMMUNE"`
			Quartier string `json:"QUARTIER"`
			Voie     string `json:"VOIE"`
			Flux     string `json:"FLUX"`
			Even     []int  `json:"semainePaire"`
			Odd      []int  `json:"semaineImpaire"`
		}
	}
	if err := json.Unmarshal(captures.V1Passages2024(), &page); err != nil {
		tb.Fatal(err)
	}
	records := make([]snapshot.Record, 0, len(page.Data))
	for _, d := range page.Data {
		records = append(records, snapshot.Record{
			Place: snapshot.Place{Commune: d.Commune, Quartier: d.Quartier, Voie: d.Voie},
			Label: d.Flux, EvenWeeks: weekdays(d.Even), OddWeeks: weekdays(d.Odd),
		})
	}
	s, _ := snapshot.Build(records, nil)
	return s
}

func weekdays(indexes []int) []time.Weekday {
	out := make([]time.Weekday, len(indexes))
	for i, d := range indexes {
		out[i] = time.Weekday(d)
	}
	return out
}

func encode(tb testing.TB, s *snapshot.Snapshot) map[string][]byte {
	tb.Helper()
	files, err := snapshot.Encode(s)
	if err != nil {
		tb.Fatalf("Encode: %v", err)
	}
	return files
}

// validate runs both halves of the validator and reports every problem.
func validate(t *testing.T, files map[string][]byte) (map[string]int, problems) {
	t.Helper()
	pkg, p := validateDescriptor(files[snapshot.PackagePath])
	if pkg == nil {
		return nil, p
	}
	counts, rows := validateData(pkg, files)
	return counts, append(p, rows...)
}

// realSnapshots are the builders of the snapshots of the two real captures.
var realSnapshots = []struct {
	name  string
	build func(testing.TB) *snapshot.Snapshot
}{
	{"legacy 2021", legacySnapshot},
	{"v1 2024", v1Snapshot},
}

func TestDatapackageRealCaptures(t *testing.T) {
	for _, tt := range realSnapshots {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.build(t)
			counts, p := validate(t, encode(t, s))
			for _, problem := range p {
				t.Error(problem)
			}

			if got, want := counts["adresses"], len(s.Addresses); got != want {
				t.Errorf("adresses rows checked = %d, want %d", got, want)
			}
			if got, want := counts["collectes"], len(s.Rules); got != want {
				t.Errorf("collectes rows checked = %d, want %d", got, want)
			}
			if got, want := counts["collectes-manquantes"], len(s.Missing()); got != want {
				t.Errorf("collectes-manquantes rows checked = %d, want %d", got, want)
			}
		})
	}
}

func TestDatapackageLegacy2021Size(t *testing.T) {
	s := legacySnapshot(t)
	if got, want := len(s.Addresses), 2141; got != want {
		t.Errorf("addresses = %d, want %d", got, want)
	}
}

// legacySample returns the first 100 addresses of the 2021 snapshot with
// their rules, enough for the cases that break one thing each.
func legacySample(tb testing.TB) *snapshot.Snapshot {
	tb.Helper()
	full := legacySnapshot(tb)
	sample := &snapshot.Snapshot{Addresses: full.Addresses[:100]}
	keep := map[string]bool{}
	for _, a := range sample.Addresses {
		keep[a.Key] = true
	}
	for _, r := range full.Rules {
		if keep[r.Key] {
			sample.Rules = append(sample.Rules, r)
		}
	}
	return sample
}

// TestValidatorRejects breaks the descriptor or the data of part of the
// 2021 snapshot in one way per case and checks that the validator reports it.
func TestValidatorRejects(t *testing.T) {
	base := encode(t, legacySample(t))
	tests := []struct {
		name       string
		descriptor func(pkg map[string]any)
		file       string
		data       func(string) string
		want       string
	}{
		{name: "no resources", descriptor: func(pkg map[string]any) { delete(pkg, "resources") },
			want: "resources is required"},
		{name: "upper-case resource name", descriptor: func(pkg map[string]any) { resource(pkg, 0)["name"] = "Adresses" },
			want: "does not match"},
		{name: "resource without path", descriptor: func(pkg map[string]any) { delete(resource(pkg, 0), "path") },
			want: "path is required"},
		{name: "path escaping", descriptor: func(pkg map[string]any) { resource(pkg, 0)["path"] = "../x.csv" },
			want: "contains .."},
		{name: "unknown type", descriptor: func(pkg map[string]any) { field(pkg, 0, 0)["type"] = "text" },
			want: "not a Table Schema type"},
		{name: "field without name", descriptor: func(pkg map[string]any) { delete(field(pkg, 0, 1), "name") },
			want: "name is required"},
		{name: "pattern on integer", descriptor: func(pkg map[string]any) {
			field(pkg, 0, 0)["type"] = "integer"
		}, want: "constraint pattern does not apply to type integer"},
		{name: "required not boolean", descriptor: func(pkg map[string]any) {
			constraints(pkg, 0, 2)["required"] = "yes"
		}, want: "must be a boolean"},
		{name: "empty enum", descriptor: func(pkg map[string]any) { constraints(pkg, 1, 5)["enum"] = []any{} },
			want: "non-empty array"},
		{name: "primary key field missing", descriptor: func(pkg map[string]any) {
			schema(pkg, 1)["primaryKey"] = []any{"adresse_key", "jours"}
		}, want: `field "jours" is not in the schema`},
		{name: "foreign key to missing resource", descriptor: func(pkg map[string]any) {
			fk(pkg, 1)["reference"].(map[string]any)["resource"] = "voies"
		}, want: `reference resource "voies" does not exist`},
		{name: "foreign key to missing field", descriptor: func(pkg map[string]any) {
			fk(pkg, 1)["reference"].(map[string]any)["fields"] = []any{"cle"}
		}, want: `reference field "cle"`},
		{name: "enum violated", file: snapshot.RulesPath,
			data: func(s string) string { return strings.Replace(s, ",Mercredi,", ",mercredi,", 1) },
			want: `"mercredi" is not in enum`},
		{name: "pattern violated", file: snapshot.AddressesPath,
			data: func(s string) string { return strings.Replace(s, "\nfort-de-france_", "\nFort-de-france_", 1) },
			want: "does not match pattern"},
		{name: "duplicate primary key", file: snapshot.AddressesPath,
			data: func(s string) string { return s + lastLine(s) },
			want: "repeats the primary key"},
		{name: "dangling foreign key", file: snapshot.RulesPath,
			data: func(s string) string { return strings.Replace(s, "\nfort-de-france_", "\nfort-de-france-x_", 1) },
			want: "not found in resource \"adresses\""},
		{name: "wrong header", file: snapshot.MissingPath,
			data: func(s string) string { return strings.Replace(s, "adresse_key,", "key,", 1) },
			want: "header"},
		{name: "short row", file: snapshot.RulesPath,
			data: func(s string) string { return s + "a_b_c,1\n" },
			want: "2 cells, want 8"},
		{name: "CRLF against dialect", file: snapshot.AddressesPath,
			data: func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
			want: "file holds CR between rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := mutate(t, base, tt.descriptor, tt.file, tt.data)
			_, p := validate(t, files)
			for _, problem := range p {
				if strings.Contains(problem, tt.want) {
					return
				}
			}
			t.Errorf("no problem contains %q; got %d problems: %.5q", tt.want, len(p), p)
		})
	}
}

// TestRequiredWithNoMissingValues checks the null rule of Table Schema: a
// required field rejects only the values listed in missingValues, so with
// the descriptor's [""] an empty commune is a missing required value, and
// with "missingValues": [] it would be a valid string.
func TestRequiredWithNoMissingValues(t *testing.T) {
	base := encode(t, legacySample(t))
	emptyCommune := func(s string) string { return strings.Replace(s, ",FORT-DE-FRANCE,", ",,", 1) }

	files := mutate(t, base, nil, snapshot.AddressesPath, emptyCommune)
	_, p := validate(t, files)
	if len(p) != 1 || !strings.Contains(p[0], `field "commune": value is required`) {
		t.Errorf("with missingValues [\"\"]: problems %q, want one missing commune", p)
	}

	noMissing := func(pkg map[string]any) { schema(pkg, 0)["missingValues"] = []any{} }
	files = mutate(t, base, noMissing, snapshot.AddressesPath, emptyCommune)
	if _, p := validate(t, files); len(p) != 0 {
		t.Errorf("with missingValues [] an empty commune gave %q, want no problem", p)
	}
}

// mutate returns a copy of base with the descriptor changed by descriptor
// and the file at path changed by data; either may be nil.
func mutate(t *testing.T, base map[string][]byte, descriptor func(map[string]any), path string,
	data func(string) string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte, len(base))
	for k, v := range base {
		files[k] = v
	}
	if descriptor != nil {
		var pkg map[string]any
		if err := json.Unmarshal(files[snapshot.PackagePath], &pkg); err != nil {
			t.Fatal(err)
		}
		descriptor(pkg)
		out, err := json.Marshal(pkg)
		if err != nil {
			t.Fatal(err)
		}
		files[snapshot.PackagePath] = out
	}
	if data != nil {
		files[path] = []byte(data(string(files[path])))
	}
	return files
}

// resource, schema, field, constraints and fk reach into a decoded
// descriptor: resource i, its schema, field f of it, that field's
// constraints, and the resource's first foreign key.
func resource(pkg map[string]any, i int) map[string]any {
	return pkg["resources"].([]any)[i].(map[string]any)
}

func schema(pkg map[string]any, i int) map[string]any {
	return resource(pkg, i)["schema"].(map[string]any)
}

func field(pkg map[string]any, r, f int) map[string]any {
	return schema(pkg, r)["fields"].([]any)[f].(map[string]any)
}

func constraints(pkg map[string]any, r, f int) map[string]any {
	c, ok := field(pkg, r, f)["constraints"].(map[string]any)
	if !ok {
		c = map[string]any{}
		field(pkg, r, f)["constraints"] = c
	}
	return c
}

func fk(pkg map[string]any, r int) map[string]any {
	return schema(pkg, r)["foreignKeys"].([]any)[0].(map[string]any)
}

// lastLine returns the last line of a CSV file, with its line feed.
func lastLine(s string) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}
