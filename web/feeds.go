package web

import (
	"net/http"

	"github.com/collecte-cacem/collecte/feed"
)

// feed serves /feed.atom and /feed.rss with the handler of package feed,
// the one the daemon mounts too, so the feed link of an address page works
// under "collecte serve" as under the daemon.
func (s *server) feed(w http.ResponseWriter, r *http.Request) {
	opt := feed.Options{PublicURL: s.feedBase(r), Location: s.loc}
	feed.Handler(s.archive, opt).ServeHTTP(w, r)
}

// feedBase returns the public URL, or without one the scheme and Host of
// the request, because feed links and entry ids must be absolute.
// NOTE: without a public URL, the links and ids of a feed depend on the
// host name that each reader uses.
func (s *server) feedBase(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}
