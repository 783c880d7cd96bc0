// Package web serves the read-only French web view of the archive: the
// latest snapshot in numbers, street search, the schedule and history of
// each address, the timeline of snapshots, the change report and raw CSV
// diff of each snapshot, and the missing-collections list. Pages are
// rendered on the server with html/template and need no JavaScript, and
// every asset is embedded in the binary, so a page requests nothing from
// another host.
package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // America/Martinique without a system zone database

	"github.com/collecte-cacem/collecte/archive"
)

// Options sets up the handler returned by New.
type Options struct {
	// PublicURL is the base of absolute links, such as the calendar and feed
	// URLs offered for subscription ("https://collecte.example.org"). Its
	// path, as in "https://example.org/collecte", is put before every link of
	// the pages, and requests are served with or without it, so the view
	// works behind a reverse proxy that keeps or strips that path. Empty
	// means links relative to the root of the host, and feed links built
	// from the Host of each request.
	PublicURL string

	// Location is the zone of dates and week parity. Nil means
	// America/Martinique.
	Location *time.Location

	// Logger receives the errors of failed requests. Nil discards the logs.
	Logger *slog.Logger

	// Now returns the current time, used for the next collection dates.
	// Nil means time.Now.
	Now func() time.Time
}

// server holds what the handlers share.
type server struct {
	store     *store
	archive   *archive.Archive
	publicURL string
	// base is the path of publicURL without the final slash, such as
	// "/collecte", or "" at the root of the host.
	base  string
	pages map[string]*template.Template
	loc   *time.Location
	log   *slog.Logger
	now   func() time.Time
}

// New returns the handler of every page of the web view and of the Atom and
// RSS feeds, each response carrying the security headers (see
// securityHeaders). The handler reads the archive at each request, so it
// shows new snapshots as they are committed.
func New(a *archive.Archive, opt Options) http.Handler {
	s := newServer(a, opt)
	return securityHeaders(s.underBase(s.routes()))
}

func newServer(a *archive.Archive, opt Options) *server {
	s := &server{
		archive:   a,
		publicURL: trimSlash(opt.PublicURL),
		base:      basePath(opt.PublicURL),
		loc:       opt.Location,
		log:       opt.Logger,
		now:       opt.Now,
	}
	s.pages = pagesUnder(s.base)
	if s.loc == nil {
		s.loc = martinique()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "web")
	if s.now == nil {
		s.now = time.Now
	}
	s.store = newStore(a, s.log)
	return s
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /recherche", s.search)
	mux.HandleFunc("GET /adresse/{file}", s.address)
	mux.HandleFunc("GET /chronologie", s.timeline)
	mux.HandleFunc("GET /instantane/{rev}", s.snapshot)
	mux.HandleFunc("GET /instantane/{rev}/{name}", s.download)
	mux.HandleFunc("GET /manquantes", s.missing)
	mux.HandleFunc("GET /manquantes.csv", s.missingCSV)
	mux.HandleFunc("GET /static/{name}", s.static)
	mux.HandleFunc("GET /feed.atom", s.feed)
	mux.HandleFunc("GET /feed.rss", s.feed)
	mux.HandleFunc("/", s.notFound)
	return mux
}

// underBase serves the paths under s.base with that prefix removed, and
// every other path as it is.
// NOTE: a base path equal to a route, such as "/adresse", hides that route.
func (s *server) underBase(mux http.Handler) http.Handler {
	if s.base == "" {
		return mux
	}
	strip := http.StripPrefix(s.base, mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == s.base:
			http.Redirect(w, r, s.base+"/", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, s.base+"/"):
			strip.ServeHTTP(w, r)
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

// basePath returns the path of a public URL without the final slash, as
// links write it (escaped), or "" when the URL has no path or does not
// parse.
func basePath(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}

// contentSecurityPolicy allows the page's own stylesheet and images and
// nothing else: no script, no frame, no form sent to another site.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets on every response, errors included, the
// Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and
// X-Frame-Options headers.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func trimSlash(u string) string {
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	return u
}

// martinique is the zone of the territory.
func martinique() *time.Location {
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		panic("time zone database lacks America/Martinique: " + err.Error())
	}
	return loc
}
