package feed

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/gorilla/feeds"
)

func TestBaselineOnlyWhenFollowed(t *testing.T) {
	h := sharedHistory(t)
	tests := []struct {
		name string
		sel  diff.Selection
		want int // entries
	}{
		{"unknown commune", diff.Selection{Communes: []string{"NULLE-PART"}}, 0},
		{"unknown address", diff.Selection{Adresses: []string{"a_b_c"}}, 0},
		{"commune in the first snapshot", diff.Selection{Communes: []string{"SCHOELCHER"}}, 1},
		{"everything", diff.Selection{}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Build(h.archive, tt.sel, Options{PublicURL: publicURL})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != tt.want {
				t.Errorf("entries = %d, want %d", len(f.Items), tt.want)
			}
			for _, it := range f.Items {
				if strings.Contains(it.Title, "Premier relevé : 0") {
					t.Errorf("entry %q follows no address", it.Title)
				}
			}
		})
	}
}

func TestEntryTitlePlural(t *testing.T) {
	tests := []struct {
		addresses int
		want      string
	}{
		{0, "Premier relevé : 0 adresse"},
		{1, "Premier relevé : 1 adresse"},
		{2, "Premier relevé : 2 adresses"},
		{2141, "Premier relevé : 2\u00a0141 adresses"},
	}
	for _, tt := range tests {
		if got := EntryTitle(Entry{Baseline: true, Addresses: tt.addresses}); got != tt.want {
			t.Errorf("EntryTitle(%d addresses) = %q, want %q", tt.addresses, got, tt.want)
		}
	}
}

func TestHandlerStreamCodes(t *testing.T) {
	h := sharedHistory(t)
	srv := httptest.NewServer(Handler(h.archive, Options{PublicURL: publicURL}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"lower case", "flux=om", 200, "(flux OM)"},
		{"mixed case and spaces", "flux=%20Deee%20", 200, "(flux DEEE)"},
		{"unknown code", "flux=XYZ", 400, `code de flux inconnu : "XYZ"`},
		{"unknown parameter", "fluxx=OM", 400, `paramètre inconnu : "fluxx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/feed.atom?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body does not contain %q:\n%.300s", tt.body, body)
			}
		})
	}
}

// selfLinks are the links of a feed to its own URL.
type selfLinks struct {
	Links []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	Channel struct {
		Links []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
	} `xml:"channel"`
}

func TestSelfLinks(t *testing.T) {
	sel := diff.Selection{Communes: []string{"SCHOELCHER"}, Flux: []string{"OM"}}
	f, err := Render(fixedEntries(), sel, time.Time{}, Options{PublicURL: publicURL})
	if err != nil {
		t.Fatal(err)
	}
	atom, rss := writeBoth(t, f)
	parseAtom(t, atom)
	parseRSS(t, rss)

	var a, r selfLinks
	if err := xml.Unmarshal(atom, &a); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(rss, &r); err != nil {
		t.Fatal(err)
	}

	wantAtom := publicURL + "/feed.atom?commune=SCHOELCHER&flux=OM"
	if len(a.Links) != 2 || a.Links[0].Href != publicURL+"/" || a.Links[1].Rel != "self" ||
		a.Links[1].Href != wantAtom || a.Links[1].Type != "application/atom+xml" {
		t.Errorf("atom links = %+v, want the site and self %s", a.Links, wantAtom)
	}
	wantRSS := publicURL + "/feed.rss?commune=SCHOELCHER&flux=OM"
	if len(r.Channel.Links) != 1 || r.Channel.Links[0].Rel != "self" ||
		r.Channel.Links[0].Href != wantRSS || r.Channel.Links[0].Type != "application/rss+xml" {
		t.Errorf("rss atom:link = %+v, want self %s", r.Channel.Links, wantRSS)
	}
}

func TestOperatorFeedSelfLink(t *testing.T) {
	atom, rss := writeBoth(t, OperatorFeed(nil, Options{PublicURL: publicURL}))
	if !strings.Contains(string(atom), `href="`+publicURL+`/feed-operateur.atom" rel="self"`) {
		t.Errorf("operator feed lacks its self link:\n%s", atom)
	}
	if strings.Contains(string(rss), "atom:link") {
		t.Error("RSS of the operator feed links to an RSS file that does not exist")
	}
}

// writeBoth writes f as Atom and as RSS.
func writeBoth(t *testing.T, f *feeds.Feed) (atom, rss []byte) {
	t.Helper()
	var a, r bytes.Buffer
	if err := WriteAtom(&a, f); err != nil {
		t.Fatal(err)
	}
	if err := WriteRSS(&r, f); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), r.Bytes()
}
