package feed

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/gorilla/feeds"
)

// WriteAtom writes f as an Atom 1.0 document (RFC 4287). Every text of f is
// passed through XMLText first, because gorilla/feeds v1.2.0 and
// encoding/xml write characters that XML forbids as they are. The feed id
// is f.Id when set: gorilla/feeds would use the link instead. f.Id, when it
// is an http(s) URL as Render and OperatorFeed make it, is also written as
// the rel="self" link that RFC 4287 section 4.2.7.2 recommends.
func WriteAtom(w io.Writer, f *feeds.Feed) error {
	clean := xmlSafe(f)
	atom := (&feeds.Atom{Feed: clean}).AtomFeed()
	if clean.Id != "" {
		atom.Id = clean.Id
	}
	doc := feeds.XmlFeed(atom)
	if isHTTP(clean.Id) {
		doc = withSelf(atom, clean.Id)
	}
	if err := feeds.WriteXML(doc, w); err != nil {
		return fmt.Errorf("write atom feed %q: %w", f.Title, err)
	}
	return nil
}

// atomWithSelf is an Atom feed with its alternate and rel="self" links,
// which feeds.AtomFeed, with a single link, cannot hold. Links hides the
// Link field of the embedded feed, whose element has the same name, and
// comes first among the feed's elements, whose order Atom leaves free
// before the entries.
type atomWithSelf struct {
	Links []feeds.AtomLink
	*feeds.AtomFeed
}

// withSelf moves the link of atom into an atomWithSelf, with the self link.
func withSelf(atom *feeds.AtomFeed, self string) *atomWithSelf {
	doc := &atomWithSelf{AtomFeed: atom}
	if atom.Link != nil {
		doc.Links = append(doc.Links, *atom.Link)
		atom.Link = nil
	}
	doc.Links = append(doc.Links, feeds.AtomLink{Href: self, Rel: "self", Type: "application/atom+xml"})
	return doc
}

// FeedXml returns the document to encode, as feeds.XmlFeed requires.
func (a *atomWithSelf) FeedXml() any { return a }

// WriteRSS writes f as an RSS 2.0 document. Dates are RFC 1123 with a
// numeric zone, such as "Fri, 04 Dec 2026 06:00:00 -0400", as gorilla/feeds
// v1.2.0 writes them (time.RFC1123Z). Guids that are not URLs are marked
// isPermaLink="false", as RSS 2.0 requires. When f.Id is the URL of a
// feed.atom, as Render makes it, the channel gets an atom:link rel="self"
// to the feed.rss beside it, with the same query, as feed validators
// expect.
func WriteRSS(w io.Writer, f *feeds.Feed) error {
	clean := xmlSafe(f)
	rss := (&feeds.Rss{Feed: clean}).RssFeed()
	if clean.Author == nil || clean.Author.Email == "" {
		rss.ManagingEditor = "" // RSS 2.0 requires an e-mail address in managingEditor
	}
	for _, item := range rss.Items {
		if item.Guid != nil && !strings.HasPrefix(item.Guid.Id, "http") {
			item.Guid.IsPermaLink = "false"
		}
	}
	doc := feeds.XmlFeed(rss)
	if self := rssSelf(clean.Id); self != "" {
		doc = &rssWithSelf{
			Version: "2.0", ContentNamespace: contentNamespace, AtomNamespace: atomNamespace,
			Channel: rssChannel{Self: rssSelfLink{Href: self, Rel: "self", Type: "application/rss+xml"}, RssFeed: rss},
		}
	}
	if err := feeds.WriteXML(doc, w); err != nil {
		return fmt.Errorf("write rss feed %q: %w", f.Title, err)
	}
	return nil
}

// Namespaces of the RSS document.
const (
	contentNamespace = "http://purl.org/rss/1.0/modules/content/"
	atomNamespace    = "http://www.w3.org/2005/Atom"
)

// rssWithSelf is feeds.RssFeedXml with the Atom namespace, for the
// atom:link of the channel.
type rssWithSelf struct {
	XMLName          xml.Name `xml:"rss"`
	Version          string   `xml:"version,attr"`
	ContentNamespace string   `xml:"xmlns:content,attr"`
	AtomNamespace    string   `xml:"xmlns:atom,attr"`
	Channel          rssChannel
}

// FeedXml returns the document to encode, as feeds.XmlFeed requires.
func (r *rssWithSelf) FeedXml() any { return r }

// rssChannel is an RSS channel that starts with its atom:link.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	Self    rssSelfLink
	*feeds.RssFeed
}

type rssSelfLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

// rssSelf returns the URL of the feed.rss beside the feed.atom that id
// names, with the same query. It returns "" when id is not the http(s) URL
// of a feed.atom, such as the id of the operator feed, which has no RSS
// form.
func rssSelf(id string) string {
	u, err := url.Parse(id)
	if err != nil || !isHTTP(id) {
		return ""
	}
	dir, ok := strings.CutSuffix(u.Path, "/feed.atom")
	if !ok {
		return ""
	}
	u.Path = dir + "/feed.rss"
	u.RawPath = ""
	return u.String()
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// XMLText returns s with the characters that XML 1.0 forbids (the C0
// controls other than tab, newline and carriage return, U+FFFE, U+FFFF and
// surrogates) removed, and invalid UTF-8 replaced by U+FFFD. Markup and
// "]]>" need no treatment here: encoding/xml escapes character data and
// splits CDATA sections.
func XMLText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if !xmlChar(r) {
			return -1
		}
		return r
	}, s)
}

// xmlChar reports whether r is a Char of XML 1.0 (fifth edition, section 2.2).
func xmlChar(r rune) bool {
	switch {
	case r == 0x09 || r == 0x0A || r == 0x0D:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// xmlSafe returns a copy of f whose texts went through XMLText.
func xmlSafe(f *feeds.Feed) *feeds.Feed {
	out := *f
	out.Title = XMLText(f.Title)
	out.Description = XMLText(f.Description)
	out.Subtitle = XMLText(f.Subtitle)
	out.Id = XMLText(f.Id)
	out.Copyright = XMLText(f.Copyright)
	out.Link = safeLink(f.Link)
	out.Author = safeAuthor(f.Author)
	if f.Image != nil {
		out.Image = &feeds.Image{Url: XMLText(f.Image.Url), Title: XMLText(f.Image.Title),
			Link: XMLText(f.Image.Link), Width: f.Image.Width, Height: f.Image.Height}
	}

	out.Items = make([]*feeds.Item, len(f.Items))
	for i, item := range f.Items {
		c := *item
		c.Title = XMLText(item.Title)
		c.Description = XMLText(item.Description)
		c.Content = XMLText(item.Content)
		c.Id = XMLText(item.Id)
		c.Link = safeLink(item.Link)
		c.Source = safeLink(item.Source)
		c.Author = safeAuthor(item.Author)
		if item.Enclosure != nil {
			c.Enclosure = &feeds.Enclosure{Url: XMLText(item.Enclosure.Url),
				Length: XMLText(item.Enclosure.Length), Type: XMLText(item.Enclosure.Type)}
		}
		out.Items[i] = &c
	}
	return &out
}

func safeLink(l *feeds.Link) *feeds.Link {
	if l == nil {
		return nil
	}
	return &feeds.Link{Href: XMLText(l.Href), Rel: XMLText(l.Rel), Type: XMLText(l.Type), Length: XMLText(l.Length)}
}

func safeAuthor(a *feeds.Author) *feeds.Author {
	if a == nil {
		return nil
	}
	return &feeds.Author{Name: XMLText(a.Name), Email: XMLText(a.Email)}
}
