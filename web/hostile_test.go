package web

import (
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/replay"
)

// hostileNames are street names that try to break out of the HTML, of an
// XML section, of the text direction or of the page size.
var hostileNames = []string{
	`<script>alert("voie")</script>`,
	`"><img src=x onerror=alert(1)>`,
	`Rue ]]><!-- fin`,
	"Rue \x1b[31mrouge\x07 \x00nul",
	"Rue \u202Eesuoip\u202C à l'envers",
	"Rue " + strings.Repeat("très longue ", 100*1024/12),
}

// hostileArchive crawls a small generation-1 site whose commune, quartier
// and street names are hostile.
func hostileArchive(t *testing.T) *archive.Archive {
	t.Helper()
	l := &replay.Legacy{
		Communes:  []replay.LegacyCommune{{ID: 1, Name: `<b>Commune</b> & "Cie"`}},
		Quartiers: []replay.LegacyQuartier{{ID: 1, Name: `Quartier <style>*{}</style>`, CommuneID: 1}},
		Collectes: map[int][]replay.LegacyCollecte{},
	}
	for i, name := range hostileNames {
		id := i + 1
		l.Adresses = append(l.Adresses, replay.LegacyAdresse{ID: id, Name: name, QuartierID: 1})
		l.Collectes[id] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
	}
	l.Collectes[1] = append(l.Collectes[1], replay.LegacyCollecte{Title: "Emballages (bac jaune)", Days: []string{"Jeudi"}, WeekType: "Paire"})

	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crawl(a, srv.URL); err != nil {
		t.Fatalf("crawl hostile site: %v", err)
	}
	return a
}

func TestHostileNamesEscaped(t *testing.T) {
	a := hostileArchive(t)
	h, logs := newTestHandler(a)
	cur := mustCurrent(t, a)
	if len(cur.snap.Addresses) != len(hostileNames) {
		t.Fatalf("snapshot has %d addresses, want %d", len(cur.snap.Addresses), len(hostileNames))
	}

	targets := []string{"/", "/recherche?q=quartier", "/recherche?q=" + url.QueryEscape(`<script>`),
		"/manquantes", "/instantane/HEAD", "/chronologie"}
	for _, addr := range cur.snap.Addresses {
		targets = append(targets, "/adresse/"+addr.Key)
	}
	forbidden := []string{"<script", "<img", "<style", "<b>", "\x1b", "\x07", "\x00", "<!-- fin"}
	for _, target := range targets {
		t.Run(target[:min(len(target), 60)], func(t *testing.T) {
			res := get(t, h, target)
			page := body(t, res)
			if res.StatusCode != 200 {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			for _, bad := range forbidden {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q unescaped", bad)
				}
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logs hold errors:\n%s", logs)
	}
}

func TestHostileNamesShownEscaped(t *testing.T) {
	a := hostileArchive(t)
	h, _ := newTestHandler(a)
	page := body(t, get(t, h, "/recherche?q=quartier"))
	if !strings.Contains(page, "6 rues trouvées.") {
		t.Errorf("search for the quartier does not find the 6 streets")
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;voie&#34;)&lt;/script&gt;",
		"Rue ]]&gt;&lt;!-- fin",
		"<bdi>Rue \u202Eesuoip\u202C à l&#39;envers</bdi>",
		"&lt;b&gt;Commune&lt;/b&gt; &amp; &#34;Cie&#34;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %q", want)
		}
	}
}
