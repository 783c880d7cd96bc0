package feed

import (
	"fmt"
	"io"
	"strings"

	"github.com/gorilla/feeds"
)

// WriteAtom writes f as an Atom 1.0 document (RFC 4287). Every text of f is
// passed through XMLText first, because gorilla/feeds v1.2.0 and
// encoding/xml write characters that XML forbids as they are. The feed id
// is f.Id when set: gorilla/feeds would use the link instead.
func WriteAtom(w io.Writer, f *feeds.Feed) error {
	clean := xmlSafe(f)
	atom := (&feeds.Atom{Feed: clean}).AtomFeed()
	if clean.Id != "" {
		atom.Id = clean.Id
	}
	if err := feeds.WriteXML(atom, w); err != nil {
		return fmt.Errorf("write atom feed %q: %w", f.Title, err)
	}
	return nil
}

// WriteRSS writes f as an RSS 2.0 document. Dates are RFC 1123 with a
// numeric zone, such as "Fri, 04 Dec 2026 06:00:00 -0400", as gorilla/feeds
// v1.2.0 writes them (time.RFC1123Z). Guids that are not URLs are marked
// isPermaLink="false", as RSS 2.0 requires.
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
	if err := feeds.WriteXML(rss, w); err != nil {
		return fmt.Errorf("write rss feed %q: %w", f.Title, err)
	}
	return nil
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
