package captures

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
)

// envelope is the generation-2 page, reduced to what these tests check.
type envelope struct {
	Total int               `json:"total"`
	Limit int               `json:"limit"`
	Skip  int               `json:"skip"`
	Data  []json.RawMessage `json:"data"`
}

func TestLegacy2021Rows(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(Legacy2021())).ReadAll()
	if err != nil {
		t.Fatalf("parse Legacy2021 CSV: %v", err)
	}

	if got, want := len(rows), 9298+1; got != want {
		t.Errorf("rows including header: got %d, want %d", got, want)
	}

	wantHeader := []string{"commune_id", "commune_name", "quartier_id",
		"quartier_name", "adresse_id", "adresse_name", "type_collecte", "jour",
		"type_semaine"}
	if got := rows[0]; !equalStrings(got, wantHeader) {
		t.Errorf("header: got %q, want %q", got, wantHeader)
	}

	addresses := map[string]bool{}
	for _, row := range rows[1:] {
		addresses[row[4]] = true
	}
	if got, want := len(addresses), 2141; got != want {
		t.Errorf("distinct adresse_id: got %d, want %d", got, want)
	}
}

func TestV1Envelopes(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		total int
		limit int
		count int
	}{
		{name: "passages 2024", data: V1Passages2024(), total: 1550, limit: 15000, count: 12045},
		{name: "sample", data: V1Sample(), total: 30, limit: 1000, count: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page envelope
			if err := json.Unmarshal(tt.data, &page); err != nil {
				t.Fatalf("decode envelope: %v", err)
			}

			if page.Total != tt.total {
				t.Errorf("total: got %d, want %d", page.Total, tt.total)
			}
			if page.Limit != tt.limit {
				t.Errorf("limit: got %d, want %d", page.Limit, tt.limit)
			}
			if page.Skip != 0 {
				t.Errorf("skip: got %d, want 0", page.Skip)
			}
			if len(page.Data) != tt.count {
				t.Errorf("records: got %d, want %d", len(page.Data), tt.count)
			}
		})
	}
}

func TestCopiesAreIndependent(t *testing.T) {
	first := V1Sample()
	first[0] = 'X'

	if second := V1Sample(); second[0] == 'X' {
		t.Errorf("V1Sample shares its buffer: a change to one result shows in the next")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
