package replay

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"
)

// gotCollectes is the body of GET /get/collectes/{id} as the site documents
// it, declared here apart from the package's own types.
type gotCollectes struct {
	Adresse struct {
		ID         int    `json:"id"`
		Name       string `json:"name"`
		QuartierID int    `json:"quartier_id"`
	} `json:"adresse"`
	Collectes []struct {
		Title    string   `json:"title"`
		Days     []string `json:"days"`
		WeekType *string  `json:"week_type"`
	} `json:"collectes"`
}

const (
	titleGrey   = "Ordures ménagères (bac gris)"
	titleYellow = "Emballages (bac jaune)"
	titleBulky  = "Encombrants, déchets verts, DEEE (électroménagers)"
)

var everyDay = []string{"Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"}

func TestLegacyFromCSVCounts(t *testing.T) {
	l := mustLegacy2021(t)

	tests := []struct {
		name string
		got  int
		want int
	}{
		{name: "communes", got: len(l.Communes), want: 4},
		{name: "quartiers", got: len(l.Quartiers), want: 194},
		{name: "adresses", got: len(l.Adresses), want: 2141},
		{name: "addresses with collectes", got: len(l.Collectes), want: 2141},
		{name: "first adresse id", got: l.Adresses[0].ID, want: 3},
		{name: "last adresse id", got: l.Adresses[len(l.Adresses)-1].ID, want: 2197},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestLegacyFromCSVItems(t *testing.T) {
	l := mustLegacy2021(t)

	tests := []struct {
		id      int
		adresse LegacyAdresse
		items   []LegacyCollecte
	}{
		{
			id:      467,
			adresse: LegacyAdresse{ID: 467, Name: "Rue Louis Blanc", QuartierID: 63},
			items: []LegacyCollecte{
				{Title: titleGrey, Days: everyDay},
				{Title: titleBulky, Days: []string{"Lundi"}},
			},
		},
		{
			id:      497,
			adresse: LegacyAdresse{ID: 497, Name: "Rue Louis Blanc", QuartierID: 63},
			items: []LegacyCollecte{
				{Title: titleGrey, Days: everyDay},
				{Title: titleBulky, Days: []string{"Lundi"}},
			},
		},
		{
			id:      724,
			adresse: LegacyAdresse{ID: 724, Name: "Résidence La Charmeuse", QuartierID: 84},
			items: []LegacyCollecte{
				{Title: titleGrey, Days: []string{"Lundi", "Mercredi", "Vendredi"}},
				{Title: titleBulky, Days: []string{"Mercredi"}, WeekType: "Paire"},
				{Title: titleYellow, Days: []string{"Lundi"}, WeekType: "Impaire"},
			},
		},
		{
			id:      738,
			adresse: LegacyAdresse{ID: 738, Name: "Résidence La Charmeuse", QuartierID: 105},
			items: []LegacyCollecte{
				{Title: titleGrey, Days: []string{"Lundi", "Mercredi", "Vendredi"}},
				{Title: titleBulky, Days: []string{"Mercredi"}, WeekType: "Paire"},
				{Title: titleYellow, Days: []string{"Lundi"}, WeekType: "Impaire"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.id), func(t *testing.T) {
			if got := findAdresse(l, tt.id); got != tt.adresse {
				t.Errorf("adresse: got %+v, want %+v", got, tt.adresse)
			}
			if got := l.Collectes[tt.id]; !reflect.DeepEqual(got, tt.items) {
				t.Errorf("collectes:\ngot  %+v\nwant %+v", got, tt.items)
			}
		})
	}
}

func TestLegacyFromCSVQuartiers(t *testing.T) {
	l := mustLegacy2021(t)

	want := map[int]LegacyQuartier{
		63:  {ID: 63, Name: "HYPER CENTRE-VILLE", CommuneID: 1},
		84:  {ID: 84, Name: "RAVINE-VILAINE", CommuneID: 1},
		105: {ID: 105, Name: "RAVINE-VILAINE", CommuneID: 1},
	}
	for _, q := range l.Quartiers {
		if w, ok := want[q.ID]; ok && q != w {
			t.Errorf("quartier %d: got %+v, want %+v", q.ID, q, w)
		}
		delete(want, q.ID)
	}
	if len(want) > 0 {
		t.Errorf("quartiers not found: %v", want)
	}
}

func TestLegacyEndpoints(t *testing.T) {
	l := mustLegacy2021(t)
	h := l.Handler()

	var communes []LegacyCommune
	fetchJSON(t, h, "/get/communes", &communes)
	if !reflect.DeepEqual(communes, l.Communes) {
		t.Errorf("communes: got %+v, want %+v", communes, l.Communes)
	}

	var quartiers []LegacyQuartier
	fetchJSON(t, h, "/get/quartiers", &quartiers)
	if !reflect.DeepEqual(quartiers, l.Quartiers) {
		t.Errorf("quartiers: got %d items, want %d equal to the source", len(quartiers), len(l.Quartiers))
	}

	var adresses []LegacyAdresse
	fetchJSON(t, h, "/get/adresses", &adresses)
	if !reflect.DeepEqual(adresses, l.Adresses) {
		t.Errorf("adresses: got %d items, want %d equal to the source", len(adresses), len(l.Adresses))
	}

	var collectes gotCollectes
	fetchJSON(t, h, "/get/collectes/724", &collectes)
	if got := collectes.Adresse.QuartierID; got != 84 {
		t.Errorf("collectes 724 quartier_id: got %d, want 84", got)
	}
	if got := len(collectes.Collectes); got != 3 {
		t.Fatalf("collectes 724 items: got %d, want 3", got)
	}
	if got := collectes.Collectes[0].WeekType; got != nil {
		t.Errorf("collectes 724 item 0 week_type: got %q, want null", *got)
	}
	if got := collectes.Collectes[1].WeekType; got == nil || *got != "Paire" {
		t.Errorf("collectes 724 item 1 week_type: got %v, want Paire", got)
	}
}

func TestLegacyErrors(t *testing.T) {
	h := mustLegacy2021(t).Handler()

	tests := []struct {
		target string
		status int
	}{
		{target: "/get/collectes/1", status: http.StatusNotFound},
		{target: "/get/collectes/0467", status: http.StatusNotFound},
		{target: "/get/collectes/abc", status: http.StatusNotFound},
		{target: "/get/unknown", status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp := fetch(t, h, tt.target)
			if resp.status != tt.status {
				t.Errorf("status: got %d, want %d", resp.status, tt.status)
			}
			if resp.contentType != jsonContentType {
				t.Errorf("Content-Type: got %q, want %q", resp.contentType, jsonContentType)
			}
		})
	}
}

func TestLegacyRobots(t *testing.T) {
	resp := fetch(t, (&Legacy{}).Handler(), "/robots.txt")

	if resp.status != http.StatusOK {
		t.Errorf("status: got %d, want 200", resp.status)
	}
	if got, want := string(resp.body), "User-agent: *\nAllow: /\n"; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
}

func TestLegacyGolden(t *testing.T) {
	l := &Legacy{
		Communes:  []LegacyCommune{{ID: 1, Name: "FORT-DE-FRANCE"}},
		Quartiers: []LegacyQuartier{{ID: 63, Name: "HYPER CENTRE-VILLE", CommuneID: 1}},
		Adresses: []LegacyAdresse{
			{ID: 467, Name: "Rue Louis Blanc", QuartierID: 63},
			{ID: 468, Name: "Rue <sans> collecte & co", QuartierID: 63},
		},
		Collectes: map[int][]LegacyCollecte{
			467: {
				{Title: titleGrey, Days: []string{"Lundi", "Jeudi"}},
				{Title: titleYellow, Days: []string{"Mardi"}, WeekType: "Impaire"},
			},
		},
	}
	h := l.Handler()

	tests := []struct{ target, golden string }{
		{target: "/get/communes", golden: "legacy-communes.json"},
		{target: "/get/quartiers", golden: "legacy-quartiers.json"},
		{target: "/get/adresses", golden: "legacy-adresses.json"},
		{target: "/get/collectes/467", golden: "legacy-collectes-467.json"},
		{target: "/get/collectes/468", golden: "legacy-collectes-468.json"},
		{target: "/get/collectes/469", golden: "legacy-collectes-469-not-found.json"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			assertGolden(t, tt.golden, fetch(t, h, tt.target).body)
		})
	}
}

func TestLegacyCloneIsDeep(t *testing.T) {
	l := mustLegacy2021(t)
	clone := l.Clone()

	clone.Adresses[0].Name = "changed"
	clone.Collectes[467][0].Days[0] = "changed"
	clone.Collectes[467] = append(clone.Collectes[467], LegacyCollecte{Title: "new"})

	if got := l.Adresses[0].Name; got == "changed" {
		t.Errorf("original adresse name changed with the clone")
	}
	if got := l.Collectes[467][0].Days[0]; got != "Lundi" {
		t.Errorf("original day: got %q, want Lundi", got)
	}
	if got := len(l.Collectes[467]); got != 2 {
		t.Errorf("original items of 467: got %d, want 2", got)
	}
}

func TestLegacyHandlerIsSnapshot(t *testing.T) {
	l := mustLegacy2021(t)
	h := l.Handler()

	l.Collectes[467] = nil

	var collectes gotCollectes
	fetchJSON(t, h, "/get/collectes/467", &collectes)
	if got := len(collectes.Collectes); got != 2 {
		t.Errorf("items served after a change to the Legacy: got %d, want 2", got)
	}
}

func findAdresse(l *Legacy, id int) LegacyAdresse {
	for _, a := range l.Adresses {
		if a.ID == id {
			return a
		}
	}
	return LegacyAdresse{}
}
