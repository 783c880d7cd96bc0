package web

import "net/http"

// SecurityHeaders wraps next so that every response, errors included,
// carries the headers that New sets on the web view: the
// Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and
// X-Frame-Options. A server that mounts New beside other handlers, as the
// daemon does, wraps its whole mux with it.
func SecurityHeaders(next http.Handler) http.Handler {
	return securityHeaders(next)
}
