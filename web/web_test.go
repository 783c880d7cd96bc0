package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
)

func TestPages(t *testing.T) {
	a := sharedArchive(t)
	h, logs := newTestHandler(a)

	const html = "text/html; charset=utf-8"
	tests := []struct {
		name        string
		target      string
		status      int
		contentType string
		contains    []string
	}{
		{"home", "/", 200, html,
			[]string{`<html lang="fr">`, "Derniers changements", "2\u00a0141", `action="/recherche"`}},
		{"search", "/recherche?q=absalon", 200, html,
			[]string{`href="/adresse/` + absalonKey + `"`, "1 rue trouvée."}},
		{"search empty", "/recherche", 200, html, []string{`id="q"`}},
		{"search nothing", "/recherche?q=zzzzzz", 200, html, []string{"Aucune rue ne correspond"}},
		{"address", "/adresse/" + absalonKey, 200, html,
			[]string{"Absalon", "Semaines paires", "Semaines impaires",
				`href="/adresse/` + absalonKey + `.ics"`, `href="/feed.atom?adresse=` + absalonKey + `"`}},
		{"calendar", "/adresse/" + absalonKey + ".ics", 200, "text/calendar; charset=utf-8",
			[]string{"BEGIN:VCALENDAR", "DTSTART;VALUE=DATE:20261230"}},
		{"calendar one stream", "/adresse/" + absalonKey + ".ics?flux=om", 200, "text/calendar; charset=utf-8",
			[]string{"BEGIN:VEVENT"}},
		{"timeline", "/chronologie", 200, html,
			[]string{"<svg", "<polyline", "Règles de collecte", "premier relevé"}},
		{"snapshot head", "/instantane/HEAD", 200, html,
			[]string{"Vue unifiée", "Vue côte à côte", "data/collectes.csv", "Rue Nouvelle", "collecte disparue"}},
		{"snapshot first", "/instantane/HEAD~1", 200, html, []string{"premier relevé"}},
		{"download diff", "/instantane/HEAD/collectes.diff", 200, "text/x-diff; charset=utf-8",
			[]string{"--- a/data/collectes.csv", "+++ b/data/collectes.csv", "@@ "}},
		{"download csv", "/instantane/HEAD/adresses.csv", 200, "text/csv; charset=utf-8",
			[]string{"adresse_key,adresse_id,commune,quartier,voie"}},
		{"missing", "/manquantes", 200, html,
			[]string{"collectes manquantes.", `<select id="commune" name="commune">`}},
		{"missing filtered", "/manquantes?commune=schoelcher&flux=RS", 200, html,
			[]string{`<option value="RS" selected>`}},
		{"missing csv", "/manquantes.csv?flux=RS", 200, "text/csv; charset=utf-8",
			[]string{"adresse_key,adresse_id,commune,quartier,voie,flux\n"}},
		{"stylesheet", "/static/style.css", 200, "text/css; charset=utf-8", []string{"@media"}},
		{"icon", "/static/favicon.svg", 200, "image/svg+xml", []string{"<svg"}},
		{"unknown page", "/nulle-part", 404, html, []string{"Page introuvable"}},
		{"unknown static", "/static/absent.css", 404, html, []string{"Page introuvable"}},
		{"invalid key", "/adresse/NOT%20A%20KEY", 404, html, []string{"Adresse introuvable"}},
		{"unknown key", "/adresse/fort-de-france_balata_nulle-part", 404, html, []string{"Adresse introuvable"}},
		{"removed key", "/adresse/fort-de-france_hyper-centre-ville_rue-louis-blanc~467", 410, html,
			[]string{"Rue Louis Blanc", "HYPER CENTRE-VILLE", "ne figure plus dans le dernier relevé",
				"adresse retirée", "adresse présente dès le premier relevé",
				`href="/feed.atom?adresse=fort-de-france_hyper-centre-ville_rue-louis-blanc~467"`}},
		{"removed key calendar", "/adresse/fort-de-france_hyper-centre-ville_rue-louis-blanc~467.ics", 404, html,
			[]string{"Adresse introuvable"}},
		{"invalid key calendar", "/adresse/..%2Fetc.ics", 404, html, []string{"Adresse introuvable"}},
		{"calendar unknown stream", "/adresse/" + absalonKey + ".ics?flux=RS", 404, html,
			[]string{"Collecte inconnue"}},
		{"unknown revision", "/instantane/deadbeef", 404, html, []string{"Relevé introuvable"}},
		{"invalid revision", "/instantane/HEAD~x", 404, html, []string{"Relevé introuvable"}},
		{"hostile revision", "/instantane/%3Cscript%3E", 404, html, []string{"Relevé introuvable"}},
		{"revision too far", "/instantane/HEAD~5", 404, html, []string{"Relevé introuvable"}},
		{"unknown download", "/instantane/HEAD/secret.txt", 404, html, []string{"Page introuvable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, tt.target)
			page := body(t, res)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			for _, want := range tt.contains {
				if !strings.Contains(page, want) {
					t.Errorf("body lacks %q", want)
				}
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logs hold errors:\n%s", logs)
	}
}

func TestSecurityHeadersEveryResponse(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	targets := []string{
		"/", "/recherche?q=rue", "/adresse/" + absalonKey, "/adresse/" + absalonKey + ".ics",
		"/chronologie", "/instantane/HEAD", "/instantane/HEAD/collectes.diff", "/manquantes",
		"/manquantes.csv", "/static/style.css", "/nulle-part", "/adresse/x", "/instantane/0000",
	}
	want := map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			res := get(t, h, target)
			for name, value := range want {
				if got := res.Header.Get(name); got != value {
					t.Errorf("%s = %q, want %q", name, got, value)
				}
			}
		})
	}
	for _, directive := range []string{"default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(contentSecurityPolicy, directive) {
			t.Errorf("policy %q lacks %q", contentSecurityPolicy, directive)
		}
	}
}

func TestPagesRequestNothingElsewhere(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	targets := []string{"/", "/recherche?q=rue", "/adresse/" + absalonKey, "/chronologie", "/instantane/HEAD", "/manquantes"}
	for _, target := range targets {
		page := body(t, get(t, h, target))
		page = strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
		for _, bad := range []string{"<script", "http://", "https://", "src=\"//", "@import"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s contains %q", target, bad)
			}
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/recherche", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want %d", rec.Code, http.StatusMethodNotAllowed)
	}
	if got := rec.Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
		t.Errorf("POST Content-Security-Policy = %q, want %q", got, contentSecurityPolicy)
	}
}

func TestHomeGolden(t *testing.T) {
	a := sharedArchive(t)
	h, _ := newTestHandler(a)
	golden(t, "home.html", normalize(t, a, body(t, get(t, h, "/"))))
}

func TestAddressGolden(t *testing.T) {
	a := sharedArchive(t)
	h, _ := newTestHandler(a)
	golden(t, "address-absalon.html", normalize(t, a, body(t, get(t, h, "/adresse/"+absalonKey))))
}

func TestAddressHistory(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	tests := []struct {
		name  string
		query string
		want  []string
		not   []string
	}{
		{"changed address", "absalon balata",
			[]string{"changement d&#39;horaires", "Ordures ménagères&nbsp;: Mercredi et Samedi → Mercredi et Vendredi",
				"collecte disparue", "adresse présente dès le premier relevé"},
			nil},
		{"added address", "rue nouvelle",
			[]string{"nouvelle adresse"},
			[]string{"adresse présente dès le premier relevé", "changement d&#39;horaires"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := addressLinks(body(t, get(t, h, "/recherche?q="+url.QueryEscape(tt.query))))
			if len(found) != 1 {
				t.Fatalf("search %q found %v, want one address", tt.query, found)
			}
			page := body(t, get(t, h, found[0]))
			for _, want := range tt.want {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(page, not) {
					t.Errorf("page contains %q", not)
				}
			}
		})
	}
}

func TestMissingCSVFilter(t *testing.T) {
	a := sharedArchive(t)
	h, _ := newTestHandler(a)
	csv := body(t, get(t, h, "/manquantes.csv?commune=fort-de-france&flux=rs"))
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("CSV has %d lines, want a header and rows", len(lines))
	}
	for _, line := range lines[1:] {
		if !strings.HasSuffix(line, ",RS") || !strings.Contains(line, ",FORT-DE-FRANCE,") {
			t.Errorf("row %q is not a Fort-de-France RS row", line)
		}
	}
	if !strings.Contains(csv, absalonKey+",") {
		t.Errorf("CSV lacks Absalon, which lost its yellow bin")
	}

	all := body(t, get(t, h, "/manquantes.csv"))
	if got, want := strings.Count(all, "\n")-1, len(mustCurrent(t, a).missing); got != want {
		t.Errorf("unfiltered CSV rows = %d, want %d", got, want)
	}
}

func mustCurrent(t *testing.T, a *archive.Archive) *current {
	t.Helper()
	cur, err := newStore(a, nil).current()
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

var addressLink = regexp.MustCompile(`href="(/adresse/[^"]+)"`)

// addressLinks returns the address pages that a page links to.
func addressLinks(page string) []string {
	var out []string
	for _, m := range addressLink.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPublicURLAbsoluteLinks(t *testing.T) {
	a := sharedArchive(t)
	h := New(a, Options{PublicURL: "https://collecte.example.org/", Now: func() time.Time { return pinnedNow }})
	page := body(t, get(t, h, "/adresse/"+absalonKey))
	for _, want := range []string{
		`href="https://collecte.example.org/adresse/` + absalonKey + `.ics"`,
		`href="https://collecte.example.org/feed.atom?adresse=` + absalonKey + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	ics := body(t, get(t, h, "/adresse/"+absalonKey+".ics"))
	if !strings.Contains(ics, "https://collecte.example.org/adresse/"+absalonKey) {
		t.Errorf("calendar does not name the address page URL")
	}
}
