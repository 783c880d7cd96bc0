package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/collecte-cacem/collecte/web"
)

// serveShutdownTimeout bounds the wait for requests in flight when serve
// stops.
const serveShutdownTimeout = 5 * time.Second

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "--archive DIR [--listen ADDR] [--public-url URL]",
		"Serve the read-only web view of the archive: search, schedules, history,\n"+
			"timeline, change reports, missing collections, calendars, and the Atom and\n"+
			"RSS feeds at /feed.atom and /feed.rss, with the handlers of the daemon. It\n"+
			"listens on loopback by default, so only this machine reaches it. To publish\n"+
			"it, listen on another address (such as :8080 for every interface) or, better,\n"+
			"put a reverse proxy with TLS in front of the loopback address, and pass its\n"+
			"address as --public-url. The view may be published under a path, such as\n"+
			"https://example.org/collecte: every link then starts with that path, and the\n"+
			"proxy may keep or strip it.")
	dir := fs.String("archive", "", "archive directory (required)")
	listen := fs.String("listen", "127.0.0.1:8080", "host:port to listen on (default loopback only)")
	publicURL := fs.String("public-url", "", "public http(s) URL of the view, base of the calendar and feed links and "+
		"of every link's path (default: links from the root of the requested host)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := checkPublicURL(*publicURL); err != nil {
		return err
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}

	h := web.New(a, web.Options{PublicURL: *publicURL, Location: martinique(), Logger: e.log})
	return serveHTTP(ctx, *listen, h, e)
}

// checkPublicURL accepts an empty value or an absolute http(s) URL without
// query or fragment.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return &usageError{fmt.Sprintf("invalid --public-url %q: want an absolute http:// or https:// URL "+
			"without query, such as https://collecte.example.org", raw)}
	}
	return nil
}

// serveHTTP serves h on listen until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, listen string, h http.Handler, e *env) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	log := e.log.With("component", "web")
	log.Info("web listening", "addr", ln.Addr().String())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	select {
	case err := <-done:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("requests still running at shutdown were cut", "timeout", serveShutdownTimeout)
		err = nil
	}
	if err != nil {
		return fmt.Errorf("stop web server on %s: %w", ln.Addr(), err)
	}
	log.Info("web stopped")
	return nil
}
