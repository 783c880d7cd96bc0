package replay

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
)

// gotPage is a v1 envelope as the site documents it, declared here apart
// from the package's own types.
type gotPage struct {
	Total int `json:"total"`
	Limit int `json:"limit"`
	Skip  int `json:"skip"`
	Data  []struct {
		Commune        string `json:"COMMUNE"`
		Flux           string `json:"FLUX"`
		Quartier       string `json:"QUARTIER"`
		Voie           string `json:"VOIE"`
		SemainePaire   []int  `json:"semainePaire"`
		SemaineImpaire []int  `json:"semaineImpaire"`
	} `json:"data"`
}

func TestV1FromJSONCapture(t *testing.T) {
	v := mustV1(t, captures.V1Passages2024())

	if got, want := len(v.Records), 12045; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	if got, want := v.Total, 1550; got != want {
		t.Errorf("total: got %d, want %d", got, want)
	}
	if got, want := v.MaxLimit, 15000; got != want {
		t.Errorf("max limit: got %d, want %d", got, want)
	}

	want := V1Record{Commune: "FORT-DE-FRANCE", Flux: "DEEE", Quartier: "POST-COLON",
		Voie: "Chemin de l'Acajou pays", SemainePaire: []int{3}, SemaineImpaire: []int{3}}
	if got := v.Records[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("first record: got %+v, want %+v", got, want)
	}
}

func TestV1ReplaysCaptureExactly(t *testing.T) {
	recorded := captures.V1Passages2024()
	h := mustV1(t, recorded).Handler()

	resp := fetch(t, h, V1Path+"?$limit=15000&$skip=0")
	if resp.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.status)
	}
	if !bytes.Equal(resp.body, recorded) {
		t.Errorf("body differs from the capture: got %d bytes, want %d", len(resp.body), len(recorded))
	}
}

func TestV1PagingCapture(t *testing.T) {
	v := mustV1(t, captures.V1Passages2024())
	v.MaxLimit = 1000
	h := v.Handler()

	var records int
	var pages []gotPage
	for skip := 0; ; skip += 1000 {
		var page gotPage
		fetchJSON(t, h, fmt.Sprintf("%s?$limit=5000&$skip=%d", V1Path, skip), &page)
		pages = append(pages, page)
		records += len(page.Data)

		if page.Limit != 1000 {
			t.Errorf("page %d: limit %d, want the granted 1000", len(pages), page.Limit)
		}
		if page.Skip != skip {
			t.Errorf("page %d: skip %d, want %d", len(pages), page.Skip, skip)
		}
		if page.Total != 1550 {
			t.Errorf("page %d: total %d, want the recorded 1550", len(pages), page.Total)
		}
		if len(page.Data) < page.Limit || len(pages) > 20 {
			break
		}
	}

	if got, want := records, 12045; got != want {
		t.Errorf("records over all pages: got %d, want %d", got, want)
	}
	if got, want := len(pages), 13; got != want {
		t.Errorf("pages: got %d, want %d", got, want)
	}
	if got, want := len(pages[len(pages)-1].Data), 45; got != want {
		t.Errorf("last page records: got %d, want %d", got, want)
	}
}

func TestV1Limits(t *testing.T) {
	records := make([]V1Record, 25)
	for i := range records {
		records[i] = V1Record{Voie: fmt.Sprint(i)}
	}

	tests := []struct {
		name      string
		v         V1
		query     string
		wantLimit int
		wantSkip  int
		wantData  int
		wantTotal int
	}{
		{name: "default cap", v: V1{Records: records, Total: TrueTotal}, query: "?$limit=5000", wantLimit: 1000, wantData: 25, wantTotal: 25},
		{name: "small limit", v: V1{Records: records, Total: TrueTotal}, query: "?$limit=10&$skip=20", wantLimit: 10, wantSkip: 20, wantData: 5, wantTotal: 25},
		{name: "capped", v: V1{Records: records, MaxLimit: 7, Total: TrueTotal}, query: "?$limit=10", wantLimit: 7, wantData: 7, wantTotal: 25},
		{name: "no limit uses cap", v: V1{Records: records, MaxLimit: 7, Total: TrueTotal}, wantLimit: 7, wantData: 7, wantTotal: 25},
		{name: "no limit uses default", v: V1{Records: records, MaxLimit: 7, DefaultLimit: 3}, wantLimit: 3, wantData: 3},
		{name: "limit zero", v: V1{Records: records, Total: 99}, query: "?$limit=0", wantLimit: 0, wantData: 0, wantTotal: 99},
		{name: "skip past end", v: V1{Records: records, Total: TrueTotal}, query: "?$skip=100", wantLimit: 1000, wantSkip: 100, wantData: 0, wantTotal: 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page gotPage
			fetchJSON(t, tt.v.Handler(), V1Path+tt.query, &page)

			if page.Limit != tt.wantLimit {
				t.Errorf("limit: got %d, want %d", page.Limit, tt.wantLimit)
			}
			if page.Skip != tt.wantSkip {
				t.Errorf("skip: got %d, want %d", page.Skip, tt.wantSkip)
			}
			if len(page.Data) != tt.wantData {
				t.Errorf("records: got %d, want %d", len(page.Data), tt.wantData)
			}
			if page.Total != tt.wantTotal {
				t.Errorf("total: got %d, want %d", page.Total, tt.wantTotal)
			}
			if tt.wantData > 0 && page.Data[0].Voie != fmt.Sprint(tt.wantSkip) {
				t.Errorf("first record: got %q, want %q", page.Data[0].Voie, fmt.Sprint(tt.wantSkip))
			}
		})
	}
}

func TestV1BadParams(t *testing.T) {
	h := mustV1(t, captures.V1Sample()).Handler()

	tests := []string{"$limit=abc", "$limit=-1", "$limit=", "$skip=1.5", "$skip=-3", "$limit=10&$skip=x"}
	for _, query := range tests {
		t.Run(query, func(t *testing.T) {
			resp := fetch(t, h, V1Path+"?"+query)

			if resp.status != http.StatusBadRequest {
				t.Errorf("status: got %d, want 400", resp.status)
			}
			if resp.contentType != jsonContentType {
				t.Errorf("Content-Type: got %q, want %q", resp.contentType, jsonContentType)
			}
			if !bytes.Contains(resp.body, []byte(`"name":"BadRequest"`)) {
				t.Errorf("body: got %s, want a BadRequest error", resp.body)
			}
		})
	}
}

func TestV1Golden(t *testing.T) {
	h := mustV1(t, captures.V1Sample()).Handler()

	tests := []struct{ target, golden string }{
		{target: V1Path + "?$limit=4&$skip=24", golden: "v1-sample-skip-24.json"},
		{target: V1Path + "?$limit=abc", golden: "v1-bad-limit.json"},
		{target: "/api/v1/unknown", golden: "v1-not-found.json"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			assertGolden(t, tt.golden, fetch(t, h, tt.target).body)
		})
	}
}

func TestV1NilListsServedEmpty(t *testing.T) {
	v := &V1{Records: []V1Record{{Commune: "LAMENTIN", Flux: "RS"}}, Total: TrueTotal}

	body := fetch(t, v.Handler(), V1Path).body
	if !bytes.Contains(body, []byte(`"semainePaire":[],"semaineImpaire":[]`)) {
		t.Errorf("body: got %s, want empty lists", body)
	}
}

func TestV1FromJSONErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{name: "not JSON", input: "<html>", want: "decode v1 page"},
		{name: "no data", input: `{"total":3,"limit":10,"skip":0}`, want: `missing "data"`},
		{name: "negative limit", input: `{"limit":-1,"data":[]}`, want: "invalid limit -1"},
		{name: "bad record", input: `{"data":[{"semainePaire":"lundi"}]}`, want: "decode v1 page"},
		{name: "array", input: `[]`, want: "the file contains a JSON array, want an object"},
		{name: "string", input: `"x"`, want: "the file contains a JSON string, want an object"},
		{name: "data object", input: `{"data":{}}`, want: `field "data" is a JSON object at byte 9, want an array`},
		{name: "record number", input: `{"data":[1]}`, want: `field "data" is a JSON number at byte 10, want an object`},
		{name: "weekday string", input: `{"data":[{"semainePaire":"lundi"}]}`,
			want: `field "data.semainePaire" is a JSON string at byte 32, want an array`},
		{name: "limit string", input: `{"limit":"x","data":[]}`, want: `field "limit" is a JSON string at byte 12, want an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := V1FromJSON([]byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %v, want one containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "Go ") {
				t.Errorf("error %q names a Go type", err)
			}
		})
	}
}

func TestV1FromJSONWithoutTotal(t *testing.T) {
	v := mustV1(t, []byte(`{"data":[{"COMMUNE":"LAMENTIN"}]}`))

	if v.Total != TrueTotal {
		t.Errorf("total: got %d, want TrueTotal", v.Total)
	}
	if v.MaxLimit != 0 {
		t.Errorf("max limit: got %d, want 0", v.MaxLimit)
	}
}

func FuzzV1FromJSON(f *testing.F) {
	f.Add(captures.V1Sample())
	f.Add([]byte(`{"total":-5,"limit":2,"data":[{}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := V1FromJSON(data)
		if err != nil {
			return
		}

		resp := fetch(t, v.Handler(), V1Path+"?$skip=1")
		if resp.status != http.StatusOK {
			t.Errorf("status: got %d, want 200", resp.status)
		}
	})
}

func TestV1HandlerIsSnapshot(t *testing.T) {
	v := mustV1(t, captures.V1Sample())
	h := v.Handler()

	v.Records[0].Voie = "changed"
	v.Records[1].SemainePaire[0] = 6
	v.Records = v.Records[:1]

	var page gotPage
	fetchJSON(t, h, V1Path, &page)
	if got, want := len(page.Data), 30; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	if got, want := page.Data[0].Voie, "Chemin de l'Acajou pays"; got != want {
		t.Errorf("first VOIE: got %q, want %q", got, want)
	}
	if got, want := page.Data[1].SemainePaire, []int{3}; !reflect.DeepEqual(got, want) {
		t.Errorf("second semainePaire: got %v, want %v", got, want)
	}
}

func TestV1MethodNotAllowed(t *testing.T) {
	h := mustV1(t, captures.V1Sample()).Handler()

	recorder := httptest.NewRecorder()
	h.ServeHTTP(recorder, httptest.NewRequest(http.MethodPost, V1Path, nil))
	if recorder.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST status: got %d, want 405", recorder.Code)
	}
}
