package feed

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

const publicURL = "https://collecte.example.org"

func fixedEntries() []Entry {
	loc := time.FixedZone("-0400", -4*3600)
	changes := []diff.Change{
		{Kind: diff.KindScheduleChanged, AdresseKey: "fort-de-france--balata--absalon", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon", Flux: "OM",
			Before: []snapshot.Slot{{Day: time.Wednesday, Weeks: snapshot.Every}, {Day: time.Saturday, Weeks: snapshot.Every}},
			After:  []snapshot.Slot{{Day: time.Wednesday, Weeks: snapshot.Even}}},
		{Kind: diff.KindAddressAdded, AdresseKey: "fort-de-france--balata--rue-nouvelle", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Rue Nouvelle"},
		{Kind: diff.KindCollectionMissing, AdresseKey: "schoelcher--case-navire--rue-des-arts", Commune: "SCHOELCHER", Quartier: "CASE NAVIRE", Voie: "Rue des Arts & Métiers", Flux: "RS",
			Before: []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Odd}}},
	}
	return []Entry{
		{Hash: "2222222222222222222222222222222222222222", When: time.Date(2026, 12, 4, 18, 0, 0, 0, loc)},
		{Hash: "1111111111111111111111111111111111111111", When: time.Date(2026, 12, 4, 6, 0, 0, 0, loc), Report: diff.Report{Changes: changes}},
		{Hash: "0000000000000000000000000000000000000000", When: time.Date(2026, 11, 30, 6, 0, 0, 0, loc), Baseline: true, Addresses: 2141},
	}
}

func TestRenderGolden(t *testing.T) {
	f, err := Render(fixedEntries(), diff.Selection{}, time.Time{}, Options{PublicURL: publicURL + "/", Location: time.FixedZone("-0400", -4*3600)})
	if err != nil {
		t.Fatal(err)
	}
	atom, rss := writeBoth(t, f)
	parseAtom(t, atom)
	doc := parseRSS(t, rss)
	if got, want := doc.Channel.Items[1].PubDate, "Fri, 04 Dec 2026 06:00:00 -0400"; got != want {
		t.Errorf("pubDate = %q, want %q", got, want)
	}
	golden(t, "feed.atom.golden", string(atom))
	golden(t, "feed.rss.golden", string(rss))
}

func TestBuildFromArchive(t *testing.T) {
	h := sharedHistory(t)
	tests := []struct {
		name string
		sel  diff.Selection
		want []string // entry commits, newest first
	}{
		{"everything", diff.Selection{}, []string{h.rawOnly, h.changed, h.baseline}},
		{"quartier with changes", diff.Selection{Quartiers: []string{"balata"}}, []string{h.changed, h.baseline}},
		{"commune without changes", diff.Selection{Communes: []string{"SCHOELCHER"}}, []string{h.baseline}},
		{"flux narrows to nothing", diff.Selection{Quartiers: []string{"HYPER CENTRE-VILLE"}, Flux: []string{"DV"}}, []string{h.changed, h.baseline}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Build(h.archive, tt.sel, Options{PublicURL: publicURL})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range f.Items {
				got = append(got, it.Link.Href[strings.LastIndex(it.Link.Href, "/")+1:])
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("entries = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildEntryContent(t *testing.T) {
	h := sharedHistory(t)
	f, err := Build(h.archive, diff.Selection{Quartiers: []string{"BALATA"}, Flux: []string{"OM"}}, Options{PublicURL: publicURL})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 2 {
		t.Fatalf("entries = %d, want 2", len(f.Items))
	}
	change, baseline := f.Items[0], f.Items[1]

	wantID := "tag:collecte.example.org," + change.Created.Format("2006") + ":commit/" + h.changed
	if change.Id != wantID {
		t.Errorf("id = %q, want %q", change.Id, wantID)
	}
	if got, want := change.Title, "1 changement d'horaires, 1 nouvelle adresse"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	for _, want := range []string{
		"Ordures ménagères : Mercredi et Samedi → Mercredi et Vendredi",
		publicURL + "/adresse/",
		publicURL + "/instantane/" + h.changed,
		"Rue Nouvelle",
	} {
		if !strings.Contains(change.Content, want) {
			t.Errorf("content lacks %q:\n%s", want, change.Content)
		}
	}
	if strings.Contains(change.Content, "Emballages") || strings.Contains(change.Content, "Louis Blanc") {
		t.Errorf("content shows changes the selection does not follow:\n%s", change.Content)
	}
	// The 2021 capture has 44 addresses in quartiers named BALATA.
	if got, want := baseline.Title, "Premier relevé : 44 adresses"; got != want {
		t.Errorf("baseline title = %q, want %q", got, want)
	}
}

func TestBuildIsStable(t *testing.T) {
	h := sharedHistory(t)
	render := func() string {
		files, err := Files(h.archive, Options{PublicURL: publicURL})
		if err != nil {
			t.Fatal(err)
		}
		return string(files[AtomPath]) + string(files[RSSPath])
	}
	first, second := render(), render()
	if first != second {
		t.Error("two renderings of the same archive differ")
	}
	if !strings.Contains(first, "Premier relevé : 2\u00a0141 adresses") {
		t.Error("the unfiltered feed lacks the baseline entry")
	}
}

func TestHandler(t *testing.T) {
	h := sharedHistory(t)
	srv := httptest.NewServer(Handler(h.archive, Options{PublicURL: publicURL}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path string
		status             int
		contentType        string
	}{
		{"atom", "GET", "/feed.atom?quartier=BALATA&flux=OM&flux=RS", 200, "application/atom+xml; charset=utf-8"},
		{"rss", "GET", "/feed.rss?commune=fort-de-france", 200, "application/rss+xml; charset=utf-8"},
		{"unknown parameter", "GET", "/feed.atom?communes=X", 400, ""},
		{"post", "POST", "/feed.atom", 405, ""},
		{"other path", "GET", "/feed.json", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("content type = %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
		})
	}
}

func TestHandlerNotModified(t *testing.T) {
	h := sharedHistory(t)
	srv := httptest.NewServer(Handler(h.archive, Options{PublicURL: publicURL}))
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	req, _ := http.NewRequest("GET", srv.URL+"/feed.atom", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("status = %d, want 304", resp.StatusCode)
	}
}

func TestQueryRoundTrip(t *testing.T) {
	sel := diff.Selection{Communes: []string{"SCHŒLCHER", "A&B"}, Quartiers: []string{"CASE NAVIRE"}, Adresses: []string{"k"}, Flux: []string{"OM"}}
	u := NewLinksMust(t).Feed("feed.atom", sel)
	req := httptest.NewRequest("GET", u, nil)
	got, err := ParseQuery(req.URL.Query())
	if err != nil {
		t.Fatal(err)
	}
	if Query(got) != Query(sel) {
		t.Errorf("round trip of %q gave %q", Query(sel), Query(got))
	}
}

func NewLinksMust(tb testing.TB) Links {
	tb.Helper()
	l, err := NewLinks(publicURL)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestNewLinksRejectsInvalidURLs(t *testing.T) {
	for _, u := range []string{"", "collecte.example.org", "ftp://x", "https://x/?a=1", "https:///path"} {
		if _, err := NewLinks(u); err == nil {
			t.Errorf("NewLinks(%q) accepted an invalid URL", u)
		}
	}
}

func TestOperatorFeed(t *testing.T) {
	old := OperatorEvent{ID: "failure-1", When: time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC), Title: "3 relevés en échec", Text: "crawl: 503\x00 ]]> <b>"}
	recent := OperatorEvent{ID: "recovery-1", When: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), Title: "Relevés rétablis", Text: "ok"}
	f := OperatorFeed([]OperatorEvent{old, recent}, Options{PublicURL: publicURL})

	var b bytes.Buffer
	if err := WriteAtom(&b, f); err != nil {
		t.Fatal(err)
	}
	doc := parseAtom(t, b.Bytes())
	if len(doc.Entries) != 2 {
		t.Fatalf("entries = %d, want 2", len(doc.Entries))
	}
	if got, want := doc.Entries[0].ID, "tag:collecte.example.org,2026:operator/recovery-1"; got != want {
		t.Errorf("first entry id = %q, want %q (newest first)", got, want)
	}
	if !strings.Contains(doc.Entries[1].Content.Text, "<pre>crawl: 503 ]]&gt; &lt;b&gt;</pre>") {
		t.Errorf("content = %q, want the escaped text without the NUL", doc.Entries[1].Content.Text)
	}
}
