package replay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestSwitchChangesData(t *testing.T) {
	base := mustLegacy2021(t)
	sw := NewSwitch(base.Handler())
	server := httptest.NewServer(sw)
	defer server.Close()

	before := decodeAdresses(t, server.URL)

	changed := base.Clone()
	changed.Adresses = changed.Adresses[1:]
	sw.Set(changed.Handler())

	after := decodeAdresses(t, server.URL)
	if got, want := len(before)-len(after), 1; got != want {
		t.Errorf("adresses removed: got %d, want %d", got, want)
	}
	if got := httpGet(t, server.URL+"/get/collectes/3").status; got != http.StatusNotFound {
		t.Errorf("removed address 3: status %d, want 404", got)
	}
	keptID := fmt.Sprint(changed.Adresses[0].ID)
	if got := httpGet(t, server.URL+"/get/collectes/"+keptID).status; got != http.StatusOK {
		t.Errorf("kept address %s: status %d, want 200", keptID, got)
	}
}

func TestSwitchSetWhileServing(t *testing.T) {
	first := &Legacy{Communes: []LegacyCommune{{ID: 1, Name: "FORT-DE-FRANCE"}}}
	second := &Legacy{Communes: []LegacyCommune{{ID: 2, Name: "LAMENTIN"}}}
	handlers := []http.Handler{first.Handler(), second.Handler()}
	sw := NewSwitch(handlers[0])

	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			sw.Set(handlers[i%2])
		}
	})

	for range 200 {
		var communes []LegacyCommune
		fetchJSON(t, sw, "/get/communes", &communes)
		if len(communes) != 1 || (communes[0] != first.Communes[0] && communes[0] != second.Communes[0]) {
			t.Fatalf("communes: got %+v, want exactly one of the two sites", communes)
		}
	}
	wg.Wait()
}

func TestSwitchZeroValue(t *testing.T) {
	var sw Switch

	if got := fetch(t, &sw, "/get/communes").status; got != http.StatusServiceUnavailable {
		t.Errorf("status: got %d, want 503", got)
	}
}

func decodeAdresses(tb testing.TB, baseURL string) []LegacyAdresse {
	tb.Helper()

	resp := httpGet(tb, baseURL+"/get/adresses")
	var adresses []LegacyAdresse
	if err := json.Unmarshal(resp.body, &adresses); err != nil {
		tb.Fatalf("decode adresses: %v", err)
	}
	return adresses
}
