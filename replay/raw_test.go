package replay

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
)

// legacyRawFiles crawls h as a generation-1 site and returns the bodies in
// the raw layout of an archived snapshot.
func legacyRawFiles(tb testing.TB, h http.Handler, l *Legacy) map[string][]byte {
	tb.Helper()

	files := map[string][]byte{}
	paths := []string{"/get/communes", "/get/quartiers", "/get/adresses"}
	for _, a := range l.Adresses {
		paths = append(paths, fmt.Sprintf("/get/collectes/%d", a.ID))
	}

	for _, path := range paths {
		resp := fetch(tb, h, path)
		if resp.status != http.StatusOK {
			tb.Fatalf("GET %s: status %d, want 200", path, resp.status)
		}
		files["raw"+path+".json"] = resp.body
	}

	return files
}

// v1RawFiles crawls h as the v1 endpoint with the given $limit and returns
// the pages in the raw layout of an archived snapshot.
func v1RawFiles(tb testing.TB, h http.Handler, limit int) map[string][]byte {
	tb.Helper()

	files := map[string][]byte{}
	for skip := 0; len(files) < 100; {
		var page gotPage
		target := fmt.Sprintf("%s?$limit=%d&$skip=%d", V1Path, limit, skip)
		fetchJSON(tb, h, target, &page)
		files[rawPageName(skip)] = fetch(tb, h, target).body

		if len(page.Data) < page.Limit || page.Limit == 0 {
			break
		}
		skip += page.Limit
	}

	return files
}

func TestFromRawLegacyRoundTrip(t *testing.T) {
	l := mustLegacy2021(t)
	files := legacyRawFiles(t, l.Handler(), l)
	files["addresses.csv"] = []byte("not a raw file, ignored")

	h, err := FromRaw(files)
	if err != nil {
		t.Fatalf("FromRaw: %v", err)
	}

	again := legacyRawFiles(t, h, l)
	delete(files, "addresses.csv")
	assertSameFiles(t, again, files)

	if got := fetch(t, h, "/get/collectes/1").status; got != http.StatusNotFound {
		t.Errorf("unknown adresse: status %d, want 404", got)
	}
	if got := fetch(t, h, "/robots.txt").status; got != http.StatusOK {
		t.Errorf("robots.txt: status %d, want 200", got)
	}
}

func TestFromRawV1RoundTrip(t *testing.T) {
	v := mustV1(t, captures.V1Passages2024())
	v.MaxLimit = 1000
	files := v1RawFiles(t, v.Handler(), 1000)
	if got, want := len(files), 13; got != want {
		t.Fatalf("pages crawled: got %d, want %d", got, want)
	}

	h, err := FromRaw(files)
	if err != nil {
		t.Fatalf("FromRaw: %v", err)
	}

	assertSameFiles(t, v1RawFiles(t, h, 1000), files)

	var page gotPage
	fetchJSON(t, h, V1Path+"?$limit=20000", &page)
	if got, want := len(page.Data), 1000; got != want {
		t.Errorf("records with $limit above the recorded limit: got %d, want %d", got, want)
	}
	if got, want := page.Total, 1550; got != want {
		t.Errorf("total: got %d, want the recorded %d", got, want)
	}
}

func TestFromRawV1PathOrder(t *testing.T) {
	files := map[string][]byte{
		rawPageName(10): []byte(`{"total":1,"limit":10,"skip":10,"data":[{"VOIE":"second"}]}`),
		rawPageName(0):  []byte(`{"total":7,"limit":10,"skip":0,"data":[{"VOIE":"first"}]}`),
	}

	h, err := FromRaw(files)
	if err != nil {
		t.Fatalf("FromRaw: %v", err)
	}

	var page gotPage
	fetchJSON(t, h, V1Path, &page)
	if len(page.Data) != 2 || page.Data[0].Voie != "first" || page.Data[1].Voie != "second" {
		t.Errorf("records: got %+v, want first then second", page.Data)
	}
	if page.Total != 7 {
		t.Errorf("total: got %d, want 7 from the first page", page.Total)
	}
}

func TestFromRawErrors(t *testing.T) {
	page := []byte(`{"total":0,"limit":10,"skip":0,"data":[]}`)
	list := []byte(`[]`)

	tests := []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{name: "empty", files: map[string][]byte{}, want: "no raw capture"},
		{name: "only other files", files: map[string][]byte{"rules.csv": nil}, want: "no raw capture"},
		{
			name:  "legacy without adresses",
			files: map[string][]byte{"raw/get/communes.json": list, "raw/get/quartiers.json": list},
			want:  "missing raw/get/adresses.json",
		},
		{
			name: "legacy file not json",
			files: map[string][]byte{"raw/get/communes.json": list, "raw/get/quartiers.json": list,
				"raw/get/adresses.json": list, "raw/get/notes.txt": nil},
			want: "raw/get/notes.txt is not a .json file",
		},
		{
			name:  "v1 page misnamed",
			files: map[string][]byte{"raw/api/v1/dechets/passages/skip-12.json": page},
			want:  "unexpected file raw/api/v1/dechets/passages/skip-12.json",
		},
		{
			name:  "v1 page invalid",
			files: map[string][]byte{rawPageName(0): []byte("<html>")},
			want:  "raw capture raw/api/v1/dechets/passages/skip-0000000.json",
		},
		{
			name:  "both generations",
			files: map[string][]byte{"raw/get/communes.json": list, rawPageName(0): page},
			want:  "contains both",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromRaw(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFromRawNoCaptureSentinel(t *testing.T) {
	_, err := FromRaw(nil)

	if !errors.Is(err, ErrNoRawCapture) {
		t.Errorf("error: got %v, want ErrNoRawCapture", err)
	}
}

func assertSameFiles(tb testing.TB, got, want map[string][]byte) {
	tb.Helper()

	if len(got) != len(want) {
		tb.Errorf("files: got %d, want %d", len(got), len(want))
	}
	for path, body := range want {
		if !bytes.Equal(got[path], body) {
			tb.Errorf("%s: served body differs from the raw file (%d bytes, want %d)",
				path, len(got[path]), len(body))
		}
	}
}
