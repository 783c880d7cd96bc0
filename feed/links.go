package feed

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/collecte-cacem/collecte/diff"
)

// Links builds the URLs of the web view and the feeds under a public base
// URL such as "https://collecte.example.org".
type Links struct {
	// Base is the public URL without a final slash.
	Base string
}

// NewLinks checks that publicURL is an absolute http or https URL and returns
// its Links.
func NewLinks(publicURL string) (Links, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return Links{}, fmt.Errorf("parse public URL %q: %w", publicURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return Links{}, fmt.Errorf("public URL %q: want an absolute http or https URL such as https://collecte.example.org", publicURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Links{}, fmt.Errorf("public URL %q: remove the query and the fragment", publicURL)
	}
	return Links{Base: strings.TrimRight(publicURL, "/")}, nil
}

// Host returns the host name of the base URL, without its port, as the
// authority of tag URIs (RFC 4151).
func (l Links) Host() string {
	u, err := url.Parse(l.Base)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return strings.ToLower(u.Hostname())
}

// Snapshot returns the web view of one commit: BASE/instantane/HASH.
func (l Links) Snapshot(hash string) string {
	return l.Base + "/instantane/" + url.PathEscape(hash)
}

// Address returns the web view of one address: BASE/adresse/KEY.
func (l Links) Address(key string) string {
	return l.Base + "/adresse/" + url.PathEscape(key)
}

// Feed returns the URL of a feed file ("feed.atom" or "feed.rss") filtered
// by sel, with the query parameters that Handler reads.
func (l Links) Feed(file string, sel diff.Selection) string {
	u := l.Base + "/" + file
	if q := Query(sel); q != "" {
		u += "?" + q
	}
	return u
}

// Query returns sel as the query string of a filtered feed, such as
// "commune=SCHOELCHER&flux=OM", with the parameters in a fixed order so the
// same selection always gives the same URL.
func Query(sel diff.Selection) string {
	var parts []string
	add := func(key string, values []string) {
		for _, v := range values {
			parts = append(parts, key+"="+url.QueryEscape(v))
		}
	}
	add("commune", sel.Communes)
	add("quartier", sel.Quartiers)
	add("adresse", sel.Adresses)
	add("flux", sel.Flux)
	return strings.Join(parts, "&")
}

// ParseQuery reads a selection from the query parameters commune, quartier,
// adresse and flux, each repeatable. An unknown parameter is an error, in
// French for the readers of the feed, that names it, so a misspelt filter
// never silently follows everything.
func ParseQuery(q url.Values) (diff.Selection, error) {
	var sel diff.Selection
	for key, values := range q {
		switch key {
		case "commune":
			sel.Communes = values
		case "quartier":
			sel.Quartiers = values
		case "adresse":
			sel.Adresses = values
		case "flux":
			sel.Flux = values
		default:
			return diff.Selection{}, fmt.Errorf("paramètre inconnu : %q ; utilisez commune, quartier, adresse ou flux", key)
		}
	}
	return sel, nil
}
