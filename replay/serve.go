package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ErrNotLoopback is returned by Listen and Serve for an address that is not
// on the loopback interface.
var ErrNotLoopback = errors.New("not a loopback address")

// shutdownTimeout bounds how long Serve waits for requests in flight once
// its context ends.
const shutdownTimeout = 5 * time.Second

// Listen opens a TCP listener on listen, a host:port whose host is a
// loopback IP (127.0.0.0/8, ::1) or "localhost". Port 0 picks a free port.
// Any other host, including an empty one that would listen on every
// interface, returns an error wrapping ErrNotLoopback, because a replay
// server is a local tool for tests and demos.
func Listen(listen string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", listen, err)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("listen on %q: %w: use 127.0.0.1, [::1] or localhost",
			listen, ErrNotLoopback)
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", listen, err)
	}

	// "localhost" resolves through the system resolver, so check the
	// address actually bound.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("listen on %q: bound %s: %w", listen, ln.Addr(), ErrNotLoopback)
	}

	return ln, nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}

	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves h on listen (see Listen for the accepted addresses), logs
// "replay listening" with the bound address under "addr", and shuts down
// gracefully when ctx ends, waiting up to 5 seconds for requests in flight.
// It returns nil after a shutdown caused by ctx. A nil logger means
// slog.Default().
func Serve(ctx context.Context, listen string, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "replay")

	ln, err := Listen(listen)
	if err != nil {
		return err
	}

	server := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	logger.Info("replay listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve replay on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	return shutdown(server, ln.Addr(), logger)
}

func shutdown(server *http.Server, addr net.Addr, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()

	if err := server.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down replay on %s: %w", addr, err)
	}

	logger.Info("replay stopped", "addr", addr.String())
	return nil
}
