package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/gorilla/feeds"
)

// Paths of the feeds in the archive's feeds branch, as Files returns them.
const (
	AtomPath = "feeds/feed.atom"
	RSSPath  = "feeds/feed.rss"
)

// Media types of the two formats.
const (
	atomType = "application/atom+xml; charset=utf-8"
	rssType  = "application/rss+xml; charset=utf-8"
)

// Handler serves GET /feed.atom and GET /feed.rss, filtered by the
// repeatable query parameters commune, quartier, adresse and flux (see
// ParseQuery). Each request reads the archive again, and the ETag is the hash
// of the body, so a reader that sends If-None-Match gets 304 while nothing
// changed. The handler matches the full request path: mount it at the root
// of a mux, without http.StripPrefix.
func Handler(a *archive.Archive, opt Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /feed.atom", serve(a, opt, atomType, WriteAtom))
	mux.Handle("GET /feed.rss", serve(a, opt, rssType, WriteRSS))
	return mux
}

func serve(a *archive.Archive, opt Options, contentType string, write func(io.Writer, *feeds.Feed) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sel, err := ParseQuery(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}

		var body bytes.Buffer
		f, err := Build(a, sel, opt)
		if err == nil {
			err = write(&body, f)
		}
		if err != nil {
			slog.Error("feed failed", "path", r.URL.Path, "query", r.URL.RawQuery, "error", err)
			http.Error(w, "feed unavailable, see the server log", http.StatusInternalServerError)
			return
		}

		sum := sha256.Sum256(body.Bytes())
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(body.Bytes())
	})
}

// Files returns the unfiltered feeds of the whole archive at AtomPath and
// RSSPath. A commit cannot contain its own hash, so these files belong on a
// branch apart from main (refs/heads/feeds), written after each commit.
func Files(a *archive.Archive, opt Options) (archive.Files, error) {
	f, err := Build(a, diff.Selection{}, opt)
	if err != nil {
		return nil, err
	}

	var atom, rss bytes.Buffer
	if err := WriteAtom(&atom, f); err != nil {
		return nil, err
	}
	if err := WriteRSS(&rss, f); err != nil {
		return nil, err
	}
	return archive.Files{AtomPath: atom.Bytes(), RSSPath: rss.Bytes()}, nil
}
