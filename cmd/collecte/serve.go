package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/collecte-cacem/collecte/web"
)

// serveShutdownTimeout bounds the wait for requests in flight when serve
// stops.
const serveShutdownTimeout = 5 * time.Second

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "--archive DIR [--listen ADDR] [--public-url URL]",
		"Serve the read-only web view of the archive: search, schedules, history,\n"+
			"timeline, change reports, missing collections and calendars. It listens on\n"+
			"loopback by default, so only this machine reaches it. To publish it, listen\n"+
			"on another address (such as :8080 for every interface) or, better, put a\n"+
			"reverse proxy with TLS in front of the loopback address.")
	dir := fs.String("archive", "", "archive directory (required)")
	listen := fs.String("listen", "127.0.0.1:8080", "host:port to listen on (default loopback only)")
	publicURL := fs.String("public-url", "", "public base URL of absolute links such as calendars (default relative links)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}

	h := web.New(a, web.Options{PublicURL: *publicURL, Location: martinique(), Logger: e.log})
	return serveHTTP(ctx, *listen, h, e)
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
