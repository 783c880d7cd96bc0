package feed

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/gorilla/feeds"
)

// maxEntryChanges bounds the changes listed in one entry, so that a change
// of every address cannot make a feed of megabytes. The web view of the
// snapshot lists them all.
const maxEntryChanges = 200

// Render returns the feed of entries, which must be newest first. updated is
// the feed's update time when there is no entry, such as the time of HEAD.
func Render(entries []Entry, sel diff.Selection, updated time.Time, opt Options) (*feeds.Feed, error) {
	links, err := NewLinks(opt.PublicURL)
	if err != nil {
		return nil, err
	}
	loc, err := location(opt.Location)
	if err != nil {
		return nil, err
	}
	if len(entries) > 0 {
		updated = entries[0].When
	}

	f := &feeds.Feed{
		Title:       feedTitle(opt.Title, sel),
		Link:        &feeds.Link{Href: links.Base + "/"},
		Description: "Changements des jours de collecte des déchets publiés par la CACEM.",
		Author:      &feeds.Author{Name: "collecte"},
		Id:          links.Feed("feed.atom", sel),
		Updated:     updated.In(loc),
		Created:     updated.In(loc),
	}
	for _, e := range entries {
		f.Add(item(e, links, loc))
	}
	return f, nil
}

func feedTitle(title string, sel diff.Selection) string {
	if title == "" {
		title = DefaultTitle
	}
	if sel.Empty() {
		return title
	}
	return title + " (" + Clean(SelectionText(sel)) + ")"
}

// SelectionText describes sel in French, such as "commune SCHOELCHER ;
// flux OM, RS", or "toutes les adresses" when it follows everything.
func SelectionText(sel diff.Selection) string {
	var parts []string
	add := func(one, many string, values []string) {
		switch len(values) {
		case 0:
		case 1:
			parts = append(parts, one+" "+values[0])
		default:
			parts = append(parts, many+" "+strings.Join(values, ", "))
		}
	}
	add("commune", "communes", sel.Communes)
	add("quartier", "quartiers", sel.Quartiers)
	add("adresse", "adresses", sel.Adresses)
	add("flux", "flux", sel.Flux)
	if len(parts) == 0 {
		return "toutes les adresses"
	}
	return strings.Join(parts, " ; ")
}

// item returns the feed item of one entry. Its id is a tag URI (RFC 4151)
// with the full commit hash, so it is the same at every regeneration and
// distinct for two commits of one day.
func item(e Entry, links Links, loc *time.Location) *feeds.Item {
	when := e.When.In(loc)
	title := EntryTitle(e)
	return &feeds.Item{
		Title:       title,
		Link:        &feeds.Link{Href: links.Snapshot(e.Hash)},
		Id:          TagURI(links.Host(), when, "commit/"+e.Hash),
		Description: html.EscapeString(title),
		Content:     EntryHTML(e, links, loc),
		Created:     when,
		Updated:     when,
	}
}

// TagURI returns "tag:HOST,YYYY:SPECIFIC", with YYYY the year of when.
func TagURI(host string, when time.Time, specific string) string {
	return fmt.Sprintf("tag:%s,%04d:%s", host, when.Year(), specific)
}

// EntryTitle returns the French title of an entry, such as "Premier relevé :
// 2 141 adresses" or "3 changements d'horaires, 1 collecte disparue".
func EntryTitle(e Entry) string {
	switch {
	case e.Baseline:
		return "Premier relevé : " + Count(e.Addresses, "adresse", "adresses")
	case len(e.Report.Changes) == 0:
		return "Horaires inchangés"
	}
	return Summary(e.Report)
}

// EntryHTML returns the French report of an entry as an HTML fragment: the
// date, the summary, one list per quartier with a link to each address, and
// a link to the snapshot.
func EntryHTML(e Entry, links Links, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>Relevé du %s.</p>\n", html.EscapeString(FrenchDate(e.When.In(loc))))
	switch {
	case e.Baseline:
		fmt.Fprintf(&b, "<p>Premier relevé de l'archive : %s. Les changements seront publiés à partir du prochain relevé.</p>\n",
			Count(e.Addresses, "adresse", "adresses"))
	case len(e.Report.Changes) == 0:
		b.WriteString("<p>Aucun jour de collecte n'a changé : seule la réponse brute du site a changé.</p>\n")
	default:
		writeChangesHTML(&b, e.Report, links)
	}
	fmt.Fprintf(&b, "<p><a href=\"%s\">Voir l'instantané</a></p>\n", html.EscapeString(links.Snapshot(e.Hash)))
	return b.String()
}

// writeChangesHTML writes the summary and the sections of r.
func writeChangesHTML(b *strings.Builder, r diff.Report, links Links) {
	fmt.Fprintf(b, "<p>%s.</p>\n", html.EscapeString(Summary(r)))
	sections, omitted := Sections(r, links, maxEntryChanges)
	for _, s := range sections {
		fmt.Fprintf(b, "<h3>%s — %s</h3>\n<ul>\n", html.EscapeString(s.Commune), html.EscapeString(s.Quartier))
		for _, it := range s.Items {
			fmt.Fprintf(b, "<li><a href=\"%s\">%s</a> — %s</li>\n",
				html.EscapeString(it.URL), html.EscapeString(it.Voie), html.EscapeString(it.Text))
		}
		b.WriteString("</ul>\n")
	}
	if omitted > 0 {
		fmt.Fprintf(b, "<p>… et %s autres changements.</p>\n", Thousands(omitted))
	}
}

// frenchMonths are the month names, January first.
var frenchMonths = [...]string{
	"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre",
}

// FrenchDate writes t as "4 décembre 2026 à 06:00".
func FrenchDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d à %02d:%02d", t.Day(), frenchMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

func location(loc *time.Location) (*time.Location, error) {
	if loc != nil {
		return loc, nil
	}
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		return nil, fmt.Errorf("load time zone America/Martinique: %w", err)
	}
	return loc, nil
}
