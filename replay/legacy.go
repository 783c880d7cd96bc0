package replay

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// LegacyCommune is one item of GET /get/communes.
type LegacyCommune struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// LegacyQuartier is one item of GET /get/quartiers.
type LegacyQuartier struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	CommuneID int    `json:"commune_id"`
}

// LegacyAdresse is one item of GET /get/adresses, and the "adresse" object of
// GET /get/collectes/{id}.
type LegacyAdresse struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	QuartierID int    `json:"quartier_id"`
}

// LegacyCollecte is one item of the "collectes" array of
// GET /get/collectes/{id}.
type LegacyCollecte struct {
	// Title is the stream as published, such as "Emballages (bac jaune)".
	Title string
	// Days lists French weekday names ("Lundi" … "Dimanche"), served in
	// this order.
	Days []string
	// WeekType is "Paire" (even ISO weeks), "Impaire" (odd ISO weeks) or ""
	// (every week), which is served as a JSON null.
	WeekType string
}

// Legacy is a generation-1 site in memory. Tests build one, serve it, change
// it between crawls and serve it again with a new Handler.
type Legacy struct {
	Communes  []LegacyCommune
	Quartiers []LegacyQuartier
	Adresses  []LegacyAdresse
	// Collectes maps an adresse id to its items. An address of Adresses
	// without an entry is served with an empty "collectes" array, and an
	// entry whose id is not in Adresses is not served.
	Collectes map[int][]LegacyCollecte
}

// Clone returns a deep copy of l, which the caller may change without
// affecting l.
func (l *Legacy) Clone() *Legacy {
	c := &Legacy{
		Communes:  slices.Clone(l.Communes),
		Quartiers: slices.Clone(l.Quartiers),
		Adresses:  slices.Clone(l.Adresses),
		Collectes: make(map[int][]LegacyCollecte, len(l.Collectes)),
	}

	for id, items := range l.Collectes {
		copied := make([]LegacyCollecte, len(items))
		for i, item := range items {
			copied[i] = item
			copied[i].Days = slices.Clone(item.Days)
		}
		c.Collectes[id] = copied
	}

	return c
}

// Handler returns a handler that serves l as the generation-1 site:
// GET /get/communes, /get/quartiers, /get/adresses, /get/collectes/{id} and
// /robots.txt. An unknown path or id gets a 404 JSON error.
//
// Handler renders every body at the call, so later changes to l do not show
// in the returned handler: install a new one with Switch.Set instead. It
// panics if l cannot be encoded, which plain strings and ints never cause.
func (l *Legacy) Handler() http.Handler {
	files, err := l.render()
	if err != nil {
		panic(fmt.Sprintf("replay: render legacy site: %v", err))
	}

	return files.handler()
}

// wireCollecte is LegacyCollecte as the site encodes it.
type wireCollecte struct {
	Title    string   `json:"title"`
	Days     []string `json:"days"`
	WeekType *string  `json:"week_type"`
}

// wireCollectes is the body of GET /get/collectes/{id}.
type wireCollectes struct {
	Adresse   LegacyAdresse  `json:"adresse"`
	Collectes []wireCollecte `json:"collectes"`
}

// render encodes every body of the site, keyed by URL path.
func (l *Legacy) render() (staticFiles, error) {
	files := staticFiles{}

	lists := map[string]any{
		"/get/communes":  nonNil(l.Communes),
		"/get/quartiers": nonNil(l.Quartiers),
		"/get/adresses":  nonNil(l.Adresses),
	}
	for path, list := range lists {
		body, err := marshalJSON(list)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", path, err)
		}
		files[path] = body
	}

	for _, adresse := range l.Adresses {
		path := "/get/collectes/" + strconv.Itoa(adresse.ID)
		body, err := marshalJSON(wireCollectes{
			Adresse:   adresse,
			Collectes: toWire(l.Collectes[adresse.ID]),
		})
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", path, err)
		}
		files[path] = body
	}

	return files, nil
}

func toWire(items []LegacyCollecte) []wireCollecte {
	wire := make([]wireCollecte, len(items))
	for i, item := range items {
		wire[i] = wireCollecte{Title: item.Title, Days: nonNil(item.Days)}
		if item.WeekType != "" {
			weekType := item.WeekType
			wire[i].WeekType = &weekType
		}
	}
	return wire
}

// nonNil returns s, or an empty slice when s is nil, so that it encodes as []
// and not as null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
