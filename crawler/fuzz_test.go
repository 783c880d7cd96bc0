package crawler

import (
	stdjson "encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/go-json-experiment/json/v1"
)

// FuzzDecodeCollectes checks that decodeCollectes never panics, and that an
// accepted body yields at least one record, each for the requested address
// with valid weekdays.
func FuzzDecodeCollectes(f *testing.F) {
	f.Add(mustRead(f, "testdata/collectes-467.json"), 467)
	f.Add(mustRead(f, "testdata/collectes-25.json"), 25)
	f.Add([]byte(`{"adresse":{"id":30},"collectes":[]}`), 30)
	f.Add([]byte(`{"adresse":{"id":1},"collectes":[{"title":"OM","days":["MÉRCREDI"],"week_type":"paire","x":1}]}`), 1)
	f.Add([]byte(`<html></html>`), 1)

	f.Fuzz(func(t *testing.T, body []byte, id int) {
		p := snapshot.Place{ID: "x", Voie: "Rue"}
		recs, err := decodeCollectes(body, id, p)
		if err != nil {
			return
		}

		if len(recs) == 0 {
			t.Fatalf("accepted body yields no record: %q", body)
		}
		for _, r := range recs {
			if r.Place != p {
				t.Errorf("record place: got %+v, want %+v", r.Place, p)
			}
			checkWeekdays(t, r)
		}
	})
}

// FuzzDecodeV1Page checks that decodeV1Page never panics, and that an
// accepted page holds no more records than its granted limit, each with
// valid weekdays.
func FuzzDecodeV1Page(f *testing.F) {
	f.Add(mustRead(f, "testdata/v1-page.json"), 0)
	f.Add([]byte(`{"total":1550,"limit":3,"skip":3,"data":[{"COMMUNE":"SCHOELCHER","QUARTIER":"CLUNY","VOIE":"V","FLUX":"RS","semainePaire":[],"semaineImpaire":[]}]}`), 3)
	f.Add([]byte(`{"total":0,"limit":10,"skip":0,"data":[]}`), 0)
	f.Add([]byte(`{"data":null}`), 0)

	f.Fuzz(func(t *testing.T, body []byte, skip int) {
		got, err := decodeV1Page(body, skip)
		if err != nil {
			return
		}

		if len(got.records) > got.granted {
			t.Fatalf("accepted %d records over the granted limit %d", len(got.records), got.granted)
		}
		for _, r := range got.records {
			if r.ID != "" {
				t.Errorf("v1 record with an id %q", r.ID)
			}
			checkWeekdays(t, r)
		}
	})
}

// checkWeekdays fails the test if r holds a weekday out of range or a label
// that is not valid UTF-8.
func checkWeekdays(t *testing.T, r snapshot.Record) {
	t.Helper()
	days := append(slices.Clone(r.EvenWeeks), r.OddWeeks...)
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			t.Errorf("weekday out of range: %d", d)
		}
	}
	if !utf8.ValidString(r.Label) {
		t.Errorf("label is not valid UTF-8: %q", r.Label)
	}
}

// FuzzFold checks that the ASCII fast path of fold gives the same result as
// the Unicode normalisation it skips.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Lundi", " MARDI\t", "mércredi", "Impaire", "\v\f\r\n", "A\u00a0", ""} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fold(s), foldUnicode(s); got != want {
			t.Errorf("fold(%q) = %q, want %q as foldUnicode gives", s, got, want)
		}
	})
}

// FuzzJSONMatchesEncodingJSON checks that the json package the crawler
// decodes with accepts and rejects the same bodies as encoding/json, and
// decodes them to the same values, for every type it decodes.
func FuzzJSONMatchesEncodingJSON(f *testing.F) {
	f.Add(mustRead(f, "testdata/collectes-467.json"))
	f.Add(mustRead(f, "testdata/v1-page.json"))
	f.Add([]byte(`[{"id":1,"name":"A","commune_id":2,"quartier_id":3}]`))
	f.Add([]byte(`{"Adresse":{"ID":1},"COLLECTES":null,"adresse":{"id":2},"collectes":[{"days":null}]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		checkSameDecoding[legacyCollectes](t, body)
		checkSameDecoding[[]legacyCollecte](t, body)
		checkSameDecoding[[]legacyItem](t, body)
		checkSameDecoding[v1Page](t, body)
	})
}

// checkSameDecoding decodes body into a T with both json packages and fails
// the test if only one fails or the values differ.
func checkSameDecoding[T any](t *testing.T, body []byte) {
	t.Helper()

	var got, want T
	gotErr := json.Unmarshal(body, &got)
	wantErr := stdjson.Unmarshal(body, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%T: error %v, want the outcome of encoding/json: %v", got, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T: decoded %+v, want %+v as encoding/json decodes it", got, got, want)
	}
}
