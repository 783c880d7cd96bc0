package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/calendar"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
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
// ParseQuery). A flux code is read in any case and must be one of the five
// CACEM codes or a code of the snapshot at HEAD, or the request gets 400
// with a message in French. Each request reads the archive again, and the
// ETag is the hash of the body, so a reader that sends If-None-Match gets
// 304 while nothing changed. The handler matches the full request path: mount it at the root
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
		if err == nil {
			sel.Flux, err = parseStreams(a, sel.Flux)
		}
		if err != nil && !errors.Is(err, errReadStreams) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}

		var body bytes.Buffer
		var f *feeds.Feed
		if err == nil {
			f, err = Build(a, sel, opt)
		}
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

// errReadStreams marks a failure to read the stream codes of HEAD, which is
// no fault of the request.
var errReadStreams = errors.New("read the stream codes of HEAD")

// parseStreams returns the stream codes in upper case, or an error in French
// naming the first code that is neither a CACEM code nor a code of the
// snapshot at HEAD. HEAD is read only for a code that is not a CACEM code,
// and an error reading it wraps errReadStreams.
func parseStreams(a *archive.Archive, codes []string) ([]string, error) {
	var present []string
	read := false
	out := make([]string, 0, len(codes))
	for _, code := range codes {
		parsed, err := calendar.ParseStream(code, present)
		if err != nil && !read {
			read = true
			if present, err = headStreams(a); err != nil {
				return nil, fmt.Errorf("%w: %w", errReadStreams, err)
			}
			parsed, err = calendar.ParseStream(code, present)
		}
		if err != nil {
			return nil, fmt.Errorf("code de flux inconnu : %q ; utilisez OM, RS, ENC, DV, DEEE "+
				"ou un code présent dans le dernier relevé", code)
		}
		out = append(out, parsed)
	}
	return out, nil
}

// headStreams returns the stream codes of the snapshot at HEAD, none for an
// empty archive.
func headStreams(a *archive.Archive) ([]string, error) {
	head, err := a.Head()
	if errors.Is(err, archive.ErrEmpty) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read HEAD of %s: %w", a.Dir(), err)
	}
	s, _, err := pipeline.ReadSnapshot(a, head.Hash)
	if err != nil {
		return nil, err
	}
	return s.Streams(), nil
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
