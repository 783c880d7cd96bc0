package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

const passagesPath = "/api/v1/dechets/passages"

// pagingServer serves n synthetic records, granting at most maxLimit per
// page and reporting total as the envelope's total. It records the
// ($limit, $skip) pair of every request.
type pagingServer struct {
	n, maxLimit, total int
	ignoreSkip         bool

	mu       sync.Mutex
	requests [][2]int
}

func (p *pagingServer) handle(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("$limit"))
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
	p.mu.Lock()
	p.requests = append(p.requests, [2]int{limit, skip})
	p.mu.Unlock()

	if p.ignoreSkip {
		skip = 0
	}
	limit = min(limit, p.maxLimit)
	data := []map[string]any{}
	for i := skip; i < min(skip+limit, p.n); i++ {
		data = append(data, map[string]any{
			"COMMUNE": "LE LAMENTIN", "QUARTIER": "PLACE D'ARMES", "VOIE": fmt.Sprintf("Rue %d", i), "FLUX": "OM",
			"semainePaire": []int{1, 4}, "semaineImpaire": []int{4},
		})
	}

	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"total": p.total, "limit": limit, "skip": skip, "data": data})
}

func startPaging(t *testing.T, p *pagingServer) string {
	t.Helper()
	return startSite(t, &site{handlers: map[string]http.HandlerFunc{passagesPath: p.handle}})
}

func TestCrawlV1Paging(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		wantSkips []int
	}{
		{"last page short", 8, []int{0, 3, 6}},
		{"last page empty", 6, []int{0, 3, 6}},
		{"no records", 0, []int{0}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pagingServer{n: tt.n, maxLimit: 3, total: 2}
			base := startPaging(t, p)

			res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceV1, base))
			if err != nil {
				t.Fatalf("Crawl: %v", err)
			}

			var skips []int
			for _, a := range p.requests {
				skips = append(skips, a[1])
				if a[0] != DefaultPageLimit {
					t.Errorf("$limit requested: got %d, want %d", a[0], DefaultPageLimit)
				}
			}
			if !reflect.DeepEqual(skips, tt.wantSkips) {
				t.Errorf("$skip requested: got %v, want %v", skips, tt.wantSkips)
			}

			checkV1Result(t, res, tt.n, tt.wantSkips)
		})
	}
}

func checkV1Result(t *testing.T, res *Result, n int, skips []int) {
	t.Helper()

	if len(res.Records) != n {
		t.Fatalf("records: got %d, want %d", len(res.Records), n)
	}
	for i, r := range res.Records {
		if want := fmt.Sprintf("Rue %d", i); r.Voie != want {
			t.Errorf("record %d: got voie %q, want %q", i, r.Voie, want)
		}
	}

	if len(res.Outcomes) != len(skips) {
		t.Errorf("outcomes: got %d, want %d", len(res.Outcomes), len(skips))
	}
	for _, skip := range skips {
		path := fmt.Sprintf("raw/api/v1/dechets/passages/skip-%07d.json", skip)
		if _, ok := res.Raw[path]; !ok {
			t.Errorf("raw: missing %s", path)
		}
	}

	wantWarn := n != 2
	gotWarn := len(res.Warnings) == 1 && res.Warnings[0].Code == "total_mismatch"
	if gotWarn != wantWarn {
		t.Errorf("warnings: got %+v, want total_mismatch %v", res.Warnings, wantWarn)
	}
}

func TestCrawlV1EndlessPaging(t *testing.T) {
	p := &pagingServer{n: 100, maxLimit: 3, total: 100, ignoreSkip: true}
	base := startPaging(t, p)
	cfg := testConfig(t, SourceV1, base)
	cfg.MaxPages = 5

	res, err := crawlWithGuard(t, context.Background(), cfg)

	if len(p.requests) != 2 {
		t.Errorf("pages requested: got %d, want 2 (the second page's skip echo must stop it)", len(p.requests))
	}
	if !errors.Is(err, ErrCrawlFailed) || !strings.Contains(err.Error(), "ignored $skip") {
		t.Errorf("error: got %v, want a crawl failure about $skip", err)
	}
	if len(res.Outcomes) != len(p.requests) {
		t.Errorf("outcomes: got %d, want %d", len(res.Outcomes), len(p.requests))
	}
}

func TestCrawlV1MaxPages(t *testing.T) {
	p := &pagingServer{n: 1000, maxLimit: 3, total: 1000}
	base := startPaging(t, p)
	cfg := testConfig(t, SourceV1, base)
	cfg.MaxPages = 5

	res, err := crawlWithGuard(t, context.Background(), cfg)

	if len(p.requests) != 5 {
		t.Errorf("pages requested: got %d, want 5", len(p.requests))
	}
	if !errors.Is(err, ErrCrawlFailed) || !strings.Contains(err.Error(), "paging did not end") {
		t.Errorf("error: got %v, want a crawl failure about paging", err)
	}
	if len(res.Outcomes) != 5 || !res.Outcomes[4].Failed() {
		t.Errorf("outcomes: got %+v, want 5 with the last failed", res.Outcomes)
	}
}

func TestCrawlV1RealSample(t *testing.T) {
	body := mustRead(t, "testdata/v1-page.json")
	s := &site{handlers: map[string]http.HandlerFunc{passagesPath: func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}}}
	base := startSite(t, s)

	res, err := crawlWithGuard(t, context.Background(), testConfig(t, SourceV1, base))
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}

	if len(res.Records) != 30 {
		t.Fatalf("records: got %d, want 30", len(res.Records))
	}
	want := snapshot.Record{
		Place:     snapshot.Place{Commune: "FORT-DE-FRANCE", Quartier: "POST-COLON", Voie: "Chemin de l'Acajou pays"},
		Label:     "DEEE",
		EvenWeeks: []time.Weekday{time.Wednesday},
		OddWeeks:  []time.Weekday{time.Wednesday},
	}
	if !reflect.DeepEqual(res.Records[0], want) {
		t.Errorf("first record: got %+v, want %+v", res.Records[0], want)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: got %+v, want none (total matches)", res.Warnings)
	}
	if got := string(res.Raw["raw/api/v1/dechets/passages/skip-0000000.json"]); got != string(body) {
		t.Errorf("raw page differs from the served body")
	}
}

func TestDecodeV1Page(t *testing.T) {
	rec := `{"COMMUNE":"C","QUARTIER":"Q","VOIE":"V","FLUX":"RS","semainePaire":[0,6],"semaineImpaire":[]}`
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"valid", `{"total":1,"limit":10,"skip":0,"data":[` + rec + `]}`, ""},
		{"null day lists", `{"total":1,"limit":10,"skip":0,"data":[{"COMMUNE":"C","QUARTIER":"Q","VOIE":"V","FLUX":"RS","semainePaire":null}]}`, ""},
		{"day out of range", `{"total":1,"limit":10,"skip":0,"data":[{"COMMUNE":"C","QUARTIER":"Q","VOIE":"V","FLUX":"RS","semainePaire":[7]}]}`, "out of range"},
		{"negative day", `{"total":1,"limit":10,"skip":0,"data":[{"COMMUNE":"C","QUARTIER":"Q","VOIE":"V","FLUX":"RS","semaineImpaire":[-1]}]}`, "out of range"},
		{"missing flux", `{"total":1,"limit":10,"skip":0,"data":[{"COMMUNE":"C","QUARTIER":"Q","VOIE":"V"}]}`, `missing "FLUX"`},
		{"missing data", `{"total":1,"limit":10,"skip":0}`, `missing "data"`},
		{"missing limit", `{"total":1,"skip":0,"data":[]}`, `missing "limit"`},
		{"zero limit", `{"total":1,"limit":0,"skip":0,"data":[]}`, "want at least 1"},
		{"wrong skip", `{"total":1,"limit":10,"skip":5,"data":[]}`, "ignored $skip"},
		{"over limit", `{"total":2,"limit":1,"skip":0,"data":[` + rec + `,` + rec + `]}`, "more than the granted limit"},
		{"data not a list", `{"total":1,"limit":10,"skip":0,"data":{}}`, "parse JSON"},
		{"bare list", `[` + rec + `]`, "want a JSON object"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeV1Page([]byte(tt.body), 0)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("decodeV1Page: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error: got %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
