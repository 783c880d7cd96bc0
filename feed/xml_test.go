package feed

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/gorilla/feeds"
)

// atomDoc is what RFC 4287 requires of a feed and its entries.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Links   []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// rssDoc is what RSS 2.0 requires of a channel and the items used here.
type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		Description string `xml:"description"`
		Items       []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			Guid  struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Text        string `xml:",chardata"`
			} `xml:"guid"`
			PubDate string `xml:"pubDate"`
			Content string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"item"`
	} `xml:"channel"`
}

// wellFormed reads every token of data strictly, which fails on a character
// that XML forbids, an unclosed element or a bad entity.
func wellFormed(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("feed is not well-formed XML: %v\n%s", err, data)
		}
	}
}

func parseAtom(t *testing.T, data []byte) atomDoc {
	t.Helper()
	wellFormed(t, data)
	var doc atomDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse atom: %v", err)
	}
	checkAtom(t, doc)
	return doc
}

// checkAtom applies the rules of RFC 4287, sections 4.1.1 and 4.1.2.
func checkAtom(t *testing.T, doc atomDoc) {
	t.Helper()
	if doc.ID == "" || doc.Title == "" {
		t.Errorf("atom feed id = %q, title = %q, want both", doc.ID, doc.Title)
	}
	if _, err := time.Parse(time.RFC3339, doc.Updated); err != nil {
		t.Errorf("atom feed updated %q is not RFC 3339: %v", doc.Updated, err)
	}
	if len(doc.Author) == 0 || doc.Author[0].Name == "" {
		t.Error("atom feed has no author, and its entries have none either")
	}
	ids := map[string]bool{}
	for i, e := range doc.Entries {
		if e.ID == "" || e.Title == "" {
			t.Errorf("entry %d: id = %q, title = %q, want both", i, e.ID, e.Title)
		}
		if ids[e.ID] {
			t.Errorf("entry %d: id %q appears twice", i, e.ID)
		}
		ids[e.ID] = true
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %d: updated %q is not RFC 3339: %v", i, e.Updated, err)
		}
		if len(e.Links) == 0 || e.Links[0].Href == "" || e.Links[0].Rel != "alternate" {
			t.Errorf("entry %d: links = %+v, want an alternate link", i, e.Links)
		}
		if e.Content.Type != "html" {
			t.Errorf("entry %d: content type = %q, want html", i, e.Content.Type)
		}
	}
}

func parseRSS(t *testing.T, data []byte) rssDoc {
	t.Helper()
	wellFormed(t, data)
	var doc rssDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse rss: %v", err)
	}
	checkRSS(t, doc)
	return doc
}

// checkRSS applies the rules of RSS 2.0: the required channel elements,
// and for each item a title, a guid and an RFC 822 date with a numeric zone.
func checkRSS(t *testing.T, doc rssDoc) {
	t.Helper()
	if doc.Version != "2.0" {
		t.Errorf("rss version = %q, want 2.0", doc.Version)
	}
	c := doc.Channel
	if c.Title == "" || c.Link == "" || c.Description == "" {
		t.Errorf("channel title = %q, link = %q, description = %q, want all three", c.Title, c.Link, c.Description)
	}
	for i, it := range c.Items {
		if it.Title == "" || it.Guid.Text == "" {
			t.Errorf("item %d: title = %q, guid = %q, want both", i, it.Title, it.Guid.Text)
		}
		if strings.HasPrefix(it.Guid.Text, "tag:") && it.Guid.IsPermaLink != "false" {
			t.Errorf("item %d: guid %q has isPermaLink %q, want false", i, it.Guid.Text, it.Guid.IsPermaLink)
		}
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("item %d: pubDate %q is not RFC 1123 with a numeric zone: %v", i, it.PubDate, err)
		}
	}
}

// hostile is a name with every kind of trouble for XML and HTML.
const hostile = "Rue \x00\x01\x08\x0b\x0c\x1b\x7f <script>alert(1)</script> & ]]> \"'\xff\ufffe fin"

func hostileEntries() []Entry {
	when := time.Date(2026, 12, 4, 6, 0, 0, 0, time.FixedZone("-0400", -4*3600))
	change := diff.Change{
		Kind: diff.KindScheduleChanged, AdresseKey: "k]]>\x00<", Commune: hostile, Quartier: hostile, Voie: hostile, Flux: "OM",
		Before: []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Every}},
		After:  []snapshot.Slot{{Day: time.Tuesday, Weeks: snapshot.Weeks(hostile)}},
	}
	return []Entry{
		{Hash: strings.Repeat("b", 40), When: when, Report: diff.Report{Changes: []diff.Change{change}}},
		{Hash: strings.Repeat("a", 40), When: when, Baseline: true, Addresses: 3},
	}
}

func TestHostileDataGivesValidFeeds(t *testing.T) {
	f, err := Render(hostileEntries(), diff.Selection{Communes: []string{hostile}}, time.Time{}, Options{PublicURL: "https://collecte.example.org", Title: hostile})
	if err != nil {
		t.Fatal(err)
	}
	// Also texts that reach the feed without Clean, as OperatorFeed's do.
	f.Items[0].Title = hostile
	f.Items[1].Content = "<p>" + hostile + "</p>"

	for _, format := range []struct {
		name  string
		write func(io.Writer, *feeds.Feed) error
		parse func(*testing.T, []byte)
	}{
		{"atom", WriteAtom, func(t *testing.T, b []byte) { parseAtom(t, b) }},
		{"rss", WriteRSS, func(t *testing.T, b []byte) { parseRSS(t, b) }},
	} {
		t.Run(format.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := format.write(&b, f); err != nil {
				t.Fatal(err)
			}
			format.parse(t, b.Bytes())
			if strings.Contains(b.String(), "<script>") && format.name == "atom" {
				t.Error("markup from the data reached the XML unescaped")
			}
		})
	}
}

func TestXMLTextDropsForbiddenCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\x00b\x1fc", "abc"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"x\ufffey\uffff", "xy"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"é ]]> <", "é ]]> <"},
	}
	for _, tt := range tests {
		if got := XMLText(tt.in); got != tt.want {
			t.Errorf("XMLText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEncodingXMLKeepsControlCharacters shows why XMLText exists: with
// gorilla/feeds v1.2.0, a control character in CDATA reaches the output.
func TestEncodingXMLKeepsControlCharacters(t *testing.T) {
	f := &feeds.Feed{Title: "t", Link: &feeds.Link{Href: "https://example.org/"}, Description: "d"}
	f.Add(&feeds.Item{Title: "i", Content: "a\x01b", Created: time.Unix(0, 0)})
	var b bytes.Buffer
	if err := f.WriteRss(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a\x01b") {
		t.Skip("gorilla/feeds or encoding/xml now removes control characters itself")
	}
	var clean bytes.Buffer
	if err := WriteRSS(&clean, f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(clean.String(), "\x01") {
		t.Error("WriteRSS kept a control character")
	}
}
