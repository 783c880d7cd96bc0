package crawler

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

func happyLegacySite(t *testing.T) *site {
	return &site{bodies: map[string]string{
		"/get/communes": `[{"id":1,"name":"FORT-DE-FRANCE","code_insee":"97209"}]`,
		"/get/quartiers": `[{"id":63,"name":"HYPER CENTRE-VILLE","commune_id":1},
			{"id":1,"name":"BALATA","commune_id":1}]`,
		"/get/adresses": `[{"id":467,"name":"Rue Louis Blanc","quartier_id":63},
			{"id":25,"name":"Lotissement les Hibiscus","quartier_id":1},
			{"id":30,"name":"Impasse Sans Collecte","quartier_id":1,"unknown_field":"x"}]`,
		"/get/collectes/467": string(mustRead(t, "testdata/collectes-467.json")),
		"/get/collectes/25":  string(mustRead(t, "testdata/collectes-25.json")),
		"/get/collectes/30":  `{"adresse":{"id":30,"name":"Impasse Sans Collecte"},"collectes":[],"generated":"2021-05-01"}`,
	}}
}

func TestCrawlLegacyHappyPath(t *testing.T) {
	s := happyLegacySite(t)
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	louis := snapshot.Place{ID: "467", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Louis Blanc"}
	hibiscus := snapshot.Place{ID: "25", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Lotissement les Hibiscus"}
	empty := snapshot.Place{ID: "30", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Impasse Sans Collecte"}
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	tts := []time.Weekday{time.Tuesday, time.Thursday, time.Saturday}
	want := []snapshot.Record{
		{Place: louis, Label: "Ordures ménagères (bac gris)", EvenWeeks: week, OddWeeks: week},
		{Place: louis, Label: "Encombrants, déchets verts, DEEE (électroménagers)", EvenWeeks: []time.Weekday{time.Monday}, OddWeeks: []time.Weekday{time.Monday}},
		{Place: hibiscus, Label: "Ordures ménagères (bac gris)", EvenWeeks: tts, OddWeeks: tts},
		{Place: hibiscus, Label: "Encombrants, déchets verts, DEEE (électroménagers)", OddWeeks: []time.Weekday{time.Thursday}},
		{Place: hibiscus, Label: "Emballages (bac jaune)", EvenWeeks: []time.Weekday{time.Monday}},
		{Place: empty, Label: ""},
	}
	if !reflect.DeepEqual(res.Records, want) {
		t.Errorf("records:\ngot  %+v\nwant %+v", res.Records, want)
	}

	if got := len(res.Outcomes); got != 6 {
		t.Errorf("outcomes: got %d, want 6 (3 lists + 3 addresses)", got)
	}
	if got := countFailed(res.Outcomes); got != 0 {
		t.Errorf("failed outcomes: got %d, want 0: %+v", got, res.Outcomes)
	}
	if res.Requests != 6 || res.Retries != 0 {
		t.Errorf("requests, retries: got %d, %d, want 6, 0", res.Requests, res.Retries)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: got %+v, want none", res.Warnings)
	}

	checkRawBodies(t, s, res)
}

func checkRawBodies(t *testing.T, s *site, res *Result) {
	t.Helper()

	var total int64
	for path, body := range s.bodies {
		key := "raw" + path + ".json"
		if got := res.Raw[key]; !bytes.Equal(got, []byte(body)) {
			t.Errorf("raw %s: got %q, want %q", key, got, body)
		}
		total += int64(len(body))
	}

	if len(res.Raw) != len(s.bodies) {
		t.Errorf("raw entries: got %d, want %d", len(res.Raw), len(s.bodies))
	}
	if res.Bytes != total {
		t.Errorf("bytes: got %d, want %d", res.Bytes, total)
	}
}

func TestCrawlLegacyJoinWarnings(t *testing.T) {
	s := &site{bodies: map[string]string{
		"/get/communes":    `[{"id":1,"name":"FORT-DE-FRANCE"}]`,
		"/get/quartiers":   `[{"id":10,"name":"BALATA","commune_id":1},{"id":11,"name":"ORPHELIN","commune_id":9}]`,
		"/get/adresses":    `[{"id":1,"name":"Rue A","quartier_id":99},{"id":2,"name":"Rue B","quartier_id":11},{"id":2,"name":"Rue B","quartier_id":11}]`,
		"/get/collectes/1": collectesBody(1, "OM", `["Lundi"]`, "null"),
		"/get/collectes/2": collectesBody(2, "OM", `["Mardi"]`, "null"),
	}}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	codes := map[string]int{}
	for _, w := range res.Warnings {
		codes[w.Code] = w.Count
	}
	want := map[string]int{"unknown_quartier": 1, "unknown_commune": 1, "duplicate_address_id": 1}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("warnings: got %v, want %v", codes, want)
	}

	if got := s.hitCount("/get/collectes/2"); got != 1 {
		t.Errorf("requests for the duplicated address: got %d, want 1", got)
	}
	if len(res.Records) != 2 {
		t.Fatalf("records: got %d, want 2", len(res.Records))
	}
	if got, want := res.Records[0].Place, (snapshot.Place{ID: "1", Voie: "Rue A"}); got != want {
		t.Errorf("place with unknown quartier: got %+v, want %+v", got, want)
	}
	if got, want := res.Records[1].Place, (snapshot.Place{ID: "2", Quartier: "ORPHELIN", Voie: "Rue B"}); got != want {
		t.Errorf("place with unknown commune: got %+v, want %+v", got, want)
	}
}

func TestCrawlLegacyBrokenList(t *testing.T) {
	s := &site{bodies: legacyBodies(2)}
	s.bodies["/get/quartiers"] = `[{"id":10,"name":"BALATA"}]`
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceLegacy, base))
	if err == nil {
		t.Fatal("Crawl: got no error, want one for a quartier without commune_id")
	}

	if got := len(res.Outcomes); got != 3 {
		t.Errorf("outcomes: got %d, want 3 (the address requests cannot be planned)", got)
	}
	if got := s.hitCount("/get/collectes/1"); got != 0 {
		t.Errorf("collectes requests: got %d, want 0", got)
	}
	if !strings.Contains(err.Error(), "commune_id") {
		t.Errorf("error %q does not name the missing field commune_id", err)
	}
}

func TestDecodeCollectes(t *testing.T) {
	p := snapshot.Place{ID: "7"}
	tests := []struct {
		name    string
		body    string
		wantErr string
		want    []snapshot.Record
	}{
		{"every week", `{"adresse":{"id":7},"collectes":[{"title":"OM","days":["lundi","JEUDI"],"week_type":null}]}`, "",
			[]snapshot.Record{{Place: p, Label: "OM", EvenWeeks: []time.Weekday{1, 4}, OddWeeks: []time.Weekday{1, 4}}}},
		{"even weeks", `{"adresse":{"id":7},"collectes":[{"title":"RS","days":["Mardi"],"week_type":"Paire"}]}`, "",
			[]snapshot.Record{{Place: p, Label: "RS", EvenWeeks: []time.Weekday{2}}}},
		{"odd weeks", `{"adresse":{"id":7},"collectes":[{"title":"RS","days":["Mardi"],"week_type":"impaire"}]}`, "",
			[]snapshot.Record{{Place: p, Label: "RS", OddWeeks: []time.Weekday{2}}}},
		{"null collectes", `{"adresse":{"id":7},"collectes":null}`, "", []snapshot.Record{{Place: p}}},
		{"unknown day", `{"adresse":{"id":7},"collectes":[{"title":"OM","days":["Lunedi"],"week_type":null}]}`, "unknown weekday", nil},
		{"unknown week type", `{"adresse":{"id":7},"collectes":[{"title":"OM","days":["Lundi"],"week_type":"Une sur trois"}]}`, "unknown week_type", nil},
		{"wrong id", `{"adresse":{"id":8},"collectes":[]}`, "want the requested 7", nil},
		{"no adresse", `{"collectes":[]}`, "missing adresse.id", nil},
		{"no collectes", `{"adresse":{"id":7}}`, "missing \"collectes\"", nil},
		{"no title", `{"adresse":{"id":7},"collectes":[{"days":["Lundi"]}]}`, "missing \"title\"", nil},
		{"days not a list", `{"adresse":{"id":7},"collectes":[{"title":"OM","days":"Lundi"}]}`, "parse JSON", nil},
		{"array", `[]`, "want a JSON object", nil},
		{"null", `null`, "want a JSON object", nil},
		{"empty", ``, "empty body", nil},
		{"html", `<!doctype html><p>Maintenance</p>`, "want a JSON object", nil},
		{"trailing data", `{"adresse":{"id":7},"collectes":[]} {}`, "parse JSON", nil},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeCollectes([]byte(tt.body), 7, p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error: got %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeCollectes: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseFrenchWeekday(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Weekday
		wantErr bool
	}{
		{"Lundi", time.Monday, false},
		{"MARDI", time.Tuesday, false},
		{" mércredi ", time.Wednesday, false},
		{"Jeudi", time.Thursday, false},
		{"vendredi", time.Friday, false},
		{"Samedi", time.Saturday, false},
		{"Dimanche", time.Sunday, false},
		{"Monday", 0, true},
		{"", 0, true},
	}

	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFrenchWeekday(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
