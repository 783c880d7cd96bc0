package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/wneessen/go-mail"
)

// maxMailChanges bounds the changes listed in one message. The web view of
// the snapshot, linked from the message, lists them all.
const maxMailChanges = 200

// maxSubjectCommunes is the number of communes named in a subject.
const maxSubjectCommunes = 3

// headerAutoSubmitted marks the messages as automatic (RFC 3834), so that
// vacation responders do not answer them.
const headerAutoSubmitted mail.Header = "Auto-Submitted"

// headerListUnsubscribe gives the address to write to in order to stop
// receiving the messages (RFC 2369). Many mail clients show it as a button.
const headerListUnsubscribe mail.Header = "List-Unsubscribe"

// body is the data of the message templates.
type body struct {
	Email       string
	Date        string
	Summary     string
	Selection   string
	Sections    []feed.Section
	Omitted     string
	SnapshotURL string
	AtomURL     string
	RSSURL      string
	// Operator is the address to write to in order to stop receiving the
	// messages, empty when none is configured.
	Operator string
	// UnsubscribeURL is the mailto: URL to Operator, with a subject naming
	// the watcher.
	UnsubscribeURL string
}

// message builds the message to w about commit c, whose report r holds only
// the changes w follows.
func (n *Notifier) message(w Watcher, c archive.Commit, r diff.Report) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(n.opt.SMTP.From); err != nil {
		return nil, err
	}
	if err := m.To(w.Email); err != nil {
		return nil, err
	}
	m.Subject(Subject(r))
	m.SetDateWithValue(n.opt.Now())
	m.SetMessageIDWithValue(messageID(c.Hash, w.Email, n.links.Host()))
	m.SetGenHeader(headerAutoSubmitted, "auto-generated")
	if u := n.unsubscribeURL(w); u != "" {
		m.SetGenHeader(headerListUnsubscribe, "<"+u+">")
	}

	text, html, err := n.bodies(w, c, r)
	if err != nil {
		return nil, err
	}
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, nil
}

// messageID is the same for every try of one delivery, so a mail client
// can tell a message sent twice, after a crash between the send and the
// state write, from two messages.
func messageID(hash, email, host string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return hash + "." + hex.EncodeToString(sum[:6]) + "@" + host
}

// unsubscribeURL returns the mailto: URL of a request to the operator to
// stop the messages to w, such as
// "mailto:ops@example.org?subject=d%C3%A9sinscription%20w@example.org",
// or "" when no operator address is configured. Validate has checked
// that the operator address is bare, so it cannot break the header.
func (n *Notifier) unsubscribeURL(w Watcher) string {
	if n.opt.OperatorEmail == "" {
		return ""
	}
	return "mailto:" + n.opt.OperatorEmail + "?subject=" + url.PathEscape("désinscription "+w.Email)
}

// bodies renders the plain text and the HTML body.
func (n *Notifier) bodies(w Watcher, c archive.Commit, r diff.Report) (string, string, error) {
	sections, omitted := feed.Sections(r, n.links, maxMailChanges)
	data := body{
		Email:       w.Email,
		Date:        feed.FrenchDate(c.When.In(n.opt.Location)),
		Summary:     feed.Summary(r),
		Selection:   feed.Clean(feed.SelectionText(w.Selection)),
		Sections:    sections,
		SnapshotURL: n.links.Snapshot(c.Hash),
		AtomURL:     n.links.Feed("feed.atom", w.Selection),
		RSSURL:      n.links.Feed("feed.rss", w.Selection),

		Operator:       n.opt.OperatorEmail,
		UnsubscribeURL: n.unsubscribeURL(w),
	}
	if omitted > 0 {
		data.Omitted = feed.Thousands(omitted)
	}

	var text, html bytes.Buffer
	if err := textBody.Execute(&text, data); err != nil {
		return "", "", err
	}
	if err := htmlBody.Execute(&html, data); err != nil {
		return "", "", err
	}
	return text.String(), html.String(), nil
}

// Subject returns the French subject of a message about r, built from its
// counts and commune names only, such as "Collecte des déchets : 1
// changement d'horaires (FORT-DE-FRANCE)". Control characters are removed
// from the names and the subject is at most 200 characters, because a
// header value must never carry a line break from the data.
func Subject(r diff.Report) string {
	var communes []string
	seen := map[string]bool{}
	for _, c := range r.Changes {
		name := headerText(c.Commune)
		folded := snapshot.Fold(name)
		if name == "" || seen[folded] {
			continue
		}
		seen[folded] = true
		communes = append(communes, name)
	}

	s := "Collecte des déchets : " + feed.Summary(r)
	switch {
	case len(communes) > maxSubjectCommunes:
		s += " (" + strings.Join(communes[:maxSubjectCommunes], ", ") + "…)"
	case len(communes) > 0:
		s += " (" + strings.Join(communes, ", ") + ")"
	}
	return truncate(s, 200)
}

// headerText returns s on one line: control characters become spaces and
// runs of whitespace one space.
func headerText(s string) string {
	return strings.Join(strings.Fields(feed.Clean(s)), " ")
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	return string(runes[:max-1]) + "…"
}

var textBody = texttemplate.Must(texttemplate.New("text").Parse(`Bonjour,

Les collectes que vous suivez ont changé au relevé du {{.Date}} : {{.Summary}}.
{{range .Sections}}
{{.Commune}} — {{.Quartier}}
{{range .Items}}- {{.Voie}} — {{.Text}}
  {{.URL}}
{{end}}{{end}}{{if .Omitted}}
… et {{.Omitted}} autres changements.
{{end}}
Tous les changements de ce relevé : {{.SnapshotURL}}
Flux Atom de votre sélection : {{.AtomURL}}
Flux RSS de votre sélection : {{.RSSURL}}

Vous recevez ce message parce que {{.Email}} suit : {{.Selection}}.
{{if .Operator}}Pour ne plus recevoir ces messages, écrivez à {{.Operator}}.
{{else}}Pour ne plus recevoir ces messages, demandez-le à la personne qui gère ce service.
{{end}}-- 
collecte
`))

var htmlBody = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>{{.Summary}}</title></head>
<body>
<p>Bonjour,</p>
<p>Les collectes que vous suivez ont changé au relevé du {{.Date}} : {{.Summary}}.</p>
{{range .Sections}}<h3>{{.Commune}} — {{.Quartier}}</h3>
<ul>
{{range .Items}}<li><a href="{{.URL}}">{{.Voie}}</a> — {{.Text}}</li>
{{end}}</ul>
{{end}}{{if .Omitted}}<p>… et {{.Omitted}} autres changements.</p>
{{end}}<p><a href="{{.SnapshotURL}}">Tous les changements de ce relevé</a></p>
<p>Flux de votre sélection : <a href="{{.AtomURL}}">Atom</a>, <a href="{{.RSSURL}}">RSS</a></p>
<p>Vous recevez ce message parce que {{.Email}} suit : {{.Selection}}.</p>
{{if .Operator}}<p>Pour ne plus recevoir ces messages, écrivez à <a href="{{.UnsubscribeURL}}">{{.Operator}}</a>.</p>
{{else}}<p>Pour ne plus recevoir ces messages, demandez-le à la personne qui gère ce service.</p>
{{end}}</body>
</html>
`))
