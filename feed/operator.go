package feed

import (
	"html"
	"sort"
	"time"

	"github.com/gorilla/feeds"
)

// OperatorEvent is one alert for the operator, such as repeated failed runs
// or a recovery.
type OperatorEvent struct {
	// ID identifies the event among all events, such as "failure-2026-12-04T06:00:00Z".
	// It becomes the end of the entry's tag URI, so it must never change.
	ID    string
	When  time.Time
	Title string
	Text  string
}

// OperatorFeed returns the feed of the operator alerts, newest first, at
// most opt.Limit of them (DefaultLimit when zero or less). The text of an
// event is shown as preformatted text. An invalid opt.PublicURL gives links
// and ids under the host "localhost".
func OperatorFeed(events []OperatorEvent, opt Options) *feeds.Feed {
	links, err := NewLinks(opt.PublicURL)
	if err != nil {
		links = Links{Base: "http://localhost"}
	}
	loc, err := location(opt.Location)
	if err != nil {
		loc = time.UTC
	}

	sorted := append([]OperatorEvent(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].When.After(sorted[j].When) })
	limit := opt.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(sorted) > limit {
		sorted = sorted[:limit]
	}

	f := &feeds.Feed{
		Title:       "collecte — alertes de l'opérateur",
		Link:        &feeds.Link{Href: links.Base + "/"},
		Description: "Échecs répétés et reprises des relevés de collecte.",
		Author:      &feeds.Author{Name: "collecte"},
		Id:          links.Base + "/feed-operateur.atom",
		Updated:     time.Unix(0, 0).UTC(),
	}
	if len(sorted) > 0 {
		f.Updated = sorted[0].When.In(loc)
	}
	for _, e := range sorted {
		when := e.When.In(loc)
		f.Add(&feeds.Item{
			Title:       e.Title,
			Link:        &feeds.Link{Href: links.Base + "/healthz"},
			Id:          TagURI(links.Host(), when, "operator/"+e.ID),
			Description: html.EscapeString(e.Title),
			Content:     "<pre>" + html.EscapeString(e.Text) + "</pre>",
			Created:     when,
			Updated:     when,
		})
	}
	return f
}
