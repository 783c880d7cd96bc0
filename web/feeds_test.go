package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var feedLink = regexp.MustCompile(`id="flux" href="([^"]+)"`)

func TestAddressFeedLinkServed(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	page := body(t, get(t, h, "/adresse/"+absalonKey))
	m := feedLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("address page has no feed link")
	}
	target := strings.ReplaceAll(m[1], "&amp;", "&")

	res := get(t, h, target)
	feed := body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200:\n%.300s", target, res.StatusCode, feed)
	}
	if got := res.Header.Get("Content-Type"); got != "application/atom+xml; charset=utf-8" {
		t.Errorf("content type = %q, want Atom", got)
	}
	// Without a public URL, the links are those of the request's host.
	if !strings.Contains(feed, "http://example.com/adresse/"+absalonKey) {
		t.Errorf("feed lacks the link to the address page:\n%.600s", feed)
	}
}

func TestFeedsCarrySecurityHeaders(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	tests := []struct {
		target string
		status int
	}{
		{"/feed.atom", http.StatusOK},
		{"/feed.rss?commune=fort-de-france", http.StatusOK},
		{"/feed.atom?flux=om", http.StatusOK},
		{"/feed.atom?flux=XX", http.StatusBadRequest},
		{"/feed.rss?communes=X", http.StatusBadRequest},
		{"/static/favicon.svg", http.StatusOK},
		{"/static/absent.css", http.StatusNotFound},
		{"/instantane/../chronologie", http.StatusTemporaryRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res := get(t, h, tt.target)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != contentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q, want %q", got, contentSecurityPolicy)
			}
		})
	}
}

func TestUnknownStreamFeedInFrench(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	res := get(t, h, "/feed.atom?flux=XX")
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", res.StatusCode)
	}
	if got := body(t, res); !strings.Contains(got, `code de flux inconnu : "XX"`) {
		t.Errorf("body = %q, want the French message naming XX", got)
	}
}

// rootLink matches every link of a page to a path of the same host.
var rootLink = regexp.MustCompile(`(?:href|action|src)="(/[^"]*)"`)

func TestPublicURLPathPrefixesLinks(t *testing.T) {
	a := sharedArchive(t)
	h := New(a, Options{PublicURL: "https://example.org/collecte/", Now: func() time.Time { return pinnedNow }})

	targets := []string{
		"/", "/collecte/", "/collecte/recherche?q=absalon", "/collecte/adresse/" + absalonKey,
		"/collecte/chronologie", "/collecte/instantane/HEAD", "/collecte/manquantes", "/collecte/nulle-part",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			page := body(t, get(t, h, target))
			links := rootLink.FindAllStringSubmatch(page, -1)
			if len(links) == 0 {
				t.Fatal("page has no link")
			}
			for _, m := range links {
				if !strings.HasPrefix(m[1], "/collecte/") {
					t.Errorf("link %q is outside /collecte/", m[1])
				}
			}
		})
	}

	page := body(t, get(t, h, "/collecte/adresse/"+absalonKey))
	for _, want := range []string{`href="/collecte/static/style.css"`, `href="/collecte/chronologie"`,
		`href="https://example.org/collecte/feed.atom?adresse=` + absalonKey + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("address page lacks %s", want)
		}
	}
}

func TestPublicURLPathServed(t *testing.T) {
	a := sharedArchive(t)
	h := New(a, Options{PublicURL: "https://example.org/collecte", Now: func() time.Time { return pinnedNow }})
	tests := []struct {
		target string
		status int
	}{
		{"/collecte/static/style.css", http.StatusOK},
		{"/static/style.css", http.StatusOK},
		{"/collecte/adresse/" + absalonKey + ".ics", http.StatusOK},
		{"/collecte/feed.atom", http.StatusOK},
		{"/collecte/feed.rss", http.StatusOK},
		{"/collecte", http.StatusMovedPermanently},
		{"/collectes/", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res := get(t, h, tt.target)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
		})
	}

	feed := body(t, get(t, h, "/collecte/feed.atom"))
	if !strings.Contains(feed, `href="https://example.org/collecte/feed.atom" rel="self"`) {
		t.Errorf("feed lacks its self link under the public URL:\n%.600s", feed)
	}
}
