package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/calendar"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/collecte-cacem/collecte/web"
)

// hostileNames are street names a compromised or careless site could
// publish: markup, a CDATA end, XML-illegal control characters, a header
// injection, right-to-left and zero-width characters, spreadsheet formulas
// and a 100 KB string.
var hostileNames = []string{
	`<script>alert("x")</script> Rue`,
	`Impasse ]]> <![CDATA[ x`,
	"Chemin \x01\x0b\x1f du Contrôle",
	"Rue X\r\nBcc: evil@example.org",
	"Allée \u202egnirts\u202c et \u200bzéro",
	"=HYPERLINK(\"http://127.0.0.1/\")",
	"+33 rue",
	"-1 avenue",
	"@SUM(1)",
	"Boulevard " + strings.Repeat("très long ", 10_000),
}

// hostileSite is a small generation-1 site whose addresses carry the
// hostile names, each collected on Monday.
func hostileSite() *replay.Legacy {
	l := &replay.Legacy{
		Communes:  []replay.LegacyCommune{{ID: 1, Name: "FORT-DE-FRANCE <b>"}},
		Quartiers: []replay.LegacyQuartier{{ID: 1, Name: "BALATA & ]]>", CommuneID: 1}},
		Collectes: map[int][]replay.LegacyCollecte{},
	}
	for i, name := range hostileNames {
		id := i + 1
		l.Adresses = append(l.Adresses, replay.LegacyAdresse{ID: id, Name: name, QuartierID: 1})
		l.Collectes[id] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
	}
	return l
}

func TestHostileNamesEndToEnd(t *testing.T) {
	l := hostileSite()
	sw := replay.NewSwitch(l.Handler())
	srv := httptest.NewServer(sw)
	defer srv.Close()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	crawl(t, a, srv.URL)
	changed := l.Clone()
	for id := range changed.Collectes {
		changed.Collectes[id][0].Days = []string{"Mardi"}
	}
	sw.Set(changed.Handler())
	crawl(t, a, srv.URL)

	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := pipeline.ReadSnapshot(a, head.Hash)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("csv faithful", func(t *testing.T) { checkFaithful(t, a, head.Hash, s) })
	t.Run("feeds well-formed", func(t *testing.T) { checkFeeds(t, a) })
	t.Run("web escaped", func(t *testing.T) { checkWeb(t, a, s) })
	t.Run("calendar parses", func(t *testing.T) { checkCalendar(t, s) })
}

func crawl(t *testing.T, a *archive.Archive, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := pipeline.Run(ctx, pipeline.Options{Archive: a, Crawler: crawler.Config{
		Source: crawler.SourceLegacy, BaseURL: url, Parallel: 4, DelaySet: true}})
	if err != nil {
		t.Fatal(err)
	}
}

// checkFaithful checks that the archived CSV holds every name exactly as
// served, and that a standard CSV reader parses it.
func checkFaithful(t *testing.T, a *archive.Archive, hash string, s *snapshot.Snapshot) {
	got := map[string]bool{}
	for _, addr := range s.Addresses {
		got[addr.Voie] = true
	}
	for _, name := range hostileNames {
		if !got[name] {
			t.Errorf("the archive lost or altered the name %.40q", name)
		}
	}

	data, err := a.ReadFile(hash, snapshot.AddressesPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot parse %s: %v", snapshot.AddressesPath, err)
	}
	if len(rows) != len(hostileNames)+1 {
		t.Errorf("%s has %d rows, want %d", snapshot.AddressesPath, len(rows), len(hostileNames)+1)
	}
}

func checkFeeds(t *testing.T, a *archive.Archive) {
	f, err := feed.Build(a, diff.Selection{}, feed.Options{PublicURL: "https://collecte.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(io.Writer, any) error{
		"atom": func(w io.Writer, _ any) error { return feed.WriteAtom(w, f) },
		"rss":  func(w io.Writer, _ any) error { return feed.WriteRSS(w, f) },
	} {
		var b bytes.Buffer
		if err := write(&b, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dec := xml.NewDecoder(&b)
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s feed is not well-formed XML: %v", name, err)
			}
		}
	}
}

func checkWeb(t *testing.T, a *archive.Archive, s *snapshot.Snapshot) {
	h := web.New(a, web.Options{})
	paths := []string{"/", "/recherche?q=" + url.QueryEscape("script rue"), "/manquantes", "/chronologie",
		"/instantane/HEAD"}
	for _, addr := range s.Addresses {
		paths = append(paths, "/adresse/"+addr.Key)
	}
	for _, p := range paths {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Errorf("GET %.60s: status %d", p, rec.Code)
			continue
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<b>") {
			t.Errorf("GET %.60s: unescaped markup from the data", p)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %.60s: Content-Security-Policy %q is not restrictive", p, csp)
		}
	}
}

func checkCalendar(t *testing.T, s *snapshot.Snapshot) {
	schedules := s.Schedules()
	for _, addr := range s.Addresses {
		var b bytes.Buffer
		err := calendar.WriteICS(&b, addr, schedules[addr.Key], calendar.ICSOptions{
			From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("calendar of %.40q: %v", addr.Voie, err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
			if strings.ContainsAny(line, "\r\n") || strings.HasPrefix(line, "Bcc") {
				t.Errorf("calendar of %.40q: line %.60q breaks the structure", addr.Voie, line)
			}
		}
		if got := strings.Count(b.String(), "BEGIN:VEVENT"); got != 5 {
			t.Errorf("calendar of %.40q: %d events, want the 5 Tuesdays of December 2026", addr.Voie, got)
		}
	}
}
