package replay

import (
	"net/http"
	"sync"
)

// Switch is an http.Handler that forwards each request to its current
// target, which Set replaces while the server runs. A test crawls, installs
// changed data with Set, and crawls again against the same URL. Each request
// is served entirely by the target current when it arrived. The zero value
// responds with 503 Service Unavailable until Set is called.
type Switch struct {
	mu     sync.RWMutex
	target http.Handler
}

// NewSwitch returns a Switch that forwards to h.
func NewSwitch(h http.Handler) *Switch {
	return &Switch{target: h}
}

// Set makes h the target of the requests that arrive from now on.
func (s *Switch) Set(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.target = h
}

// ServeHTTP forwards the request to the current target.
func (s *Switch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	target := s.target
	s.mu.RUnlock()

	if target == nil {
		writeError(w, http.StatusServiceUnavailable, "Unavailable", "replay has no data to serve yet")
		return
	}

	target.ServeHTTP(w, r)
}
