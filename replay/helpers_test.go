package replay

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// response is the status, Content-Type and body of one HTTP response.
type response struct {
	status      int
	contentType string
	body        []byte
}

// fetch sends GET target to h and returns the response.
func fetch(tb testing.TB, h http.Handler, target string) response {
	tb.Helper()

	recorder := httptest.NewRecorder()
	h.ServeHTTP(recorder, httptest.NewRequest(http.MethodGet, target, nil))

	return response{
		status:      recorder.Code,
		contentType: recorder.Header().Get("Content-Type"),
		body:        recorder.Body.Bytes(),
	}
}

// fetchJSON sends GET target to h, requires a 200 JSON response and decodes
// its body into v.
func fetchJSON(tb testing.TB, h http.Handler, target string, v any) {
	tb.Helper()

	resp := fetch(tb, h, target)
	if resp.status != http.StatusOK {
		tb.Fatalf("GET %s: status %d, want 200; body %s", target, resp.status, resp.body)
	}
	if resp.contentType != jsonContentType {
		tb.Errorf("GET %s: Content-Type %q, want %q", target, resp.contentType, jsonContentType)
	}

	decoder := json.NewDecoder(bytes.NewReader(resp.body))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(v); err != nil {
		tb.Fatalf("GET %s: decode body: %v", target, err)
	}
}

// assertGolden compares got with testdata/name, or rewrites the file when
// the test runs with -update.
func assertGolden(tb testing.TB, name string, got []byte) {
	tb.Helper()

	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("update golden file: %v", err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// mustLegacy2021 returns the site rebuilt from the embedded 2021 CSV.
func mustLegacy2021(tb testing.TB) *Legacy {
	tb.Helper()

	l, err := LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		tb.Fatalf("LegacyFromCSV on the 2021 capture: %v", err)
	}
	return l
}

// mustV1 decodes a recorded v1 page.
func mustV1(tb testing.TB, data []byte) *V1 {
	tb.Helper()

	v, err := V1FromJSON(data)
	if err != nil {
		tb.Fatalf("V1FromJSON: %v", err)
	}
	return v
}
