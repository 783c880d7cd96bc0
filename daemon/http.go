package daemon

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/web"
)

// Limits of the HTTP server. Every endpoint is a small GET or a bodiless
// POST, so the body cap is tiny.
const (
	maxHeaderBytes    = 16 << 10
	maxBodyBytes      = 4 << 10
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
)

// server returns the HTTP server of every endpoint.
func (d *daemon) server() *http.Server {
	return &http.Server{
		Handler:           limitBody(d.routes()),
		MaxHeaderBytes:    maxHeaderBytes,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
}

func serve(srv *http.Server, ln net.Listener) error {
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// endpoint is one route of the daemon outside the web view.
type endpoint struct {
	method, path string
	handler      http.Handler
}

func (d *daemon) endpoints() []endpoint {
	feeds := feed.Handler(d.archive, d.feedOptions())
	return []endpoint{
		{http.MethodGet, "/healthz", http.HandlerFunc(d.healthz)},
		{http.MethodGet, "/metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{})},
		{http.MethodPost, "/run", http.HandlerFunc(d.runNow)},
		{http.MethodGet, "/feed.atom", feeds},
		{http.MethodGet, "/feed.rss", feeds},
		{http.MethodGet, "/feed-operateur.atom", http.HandlerFunc(d.operatorFeed)},
	}
}

// routes returns the handler of every path: the endpoints, a 405 for the
// other methods on their paths, and the web view for the rest, all behind
// the security headers of the web view.
func (d *daemon) routes() http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, e := range d.endpoints() {
		mux.Handle(e.method+" "+e.path, e.handler)
		allowed[e.path] = append(allowed[e.path], e.method)
	}
	for path, methods := range allowed {
		mux.Handle(path, methodNotAllowed(methods))
	}

	mux.Handle("/", web.New(d.archive, web.Options{
		PublicURL: d.cfg.PublicURL,
		Location:  d.cfg.Location,
		Logger:    d.base,
	}))
	return web.SecurityHeaders(mux)
}

// methodNotAllowed responds 405 with the Allow header of methods, to which
// a GET adds HEAD because the mux serves HEAD with the GET handler.
func methodNotAllowed(methods []string) http.Handler {
	if slices.Contains(methods, http.MethodGet) {
		methods = append(slices.Clone(methods), http.MethodHead)
	}
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
			"error": "method " + r.Method + " is not allowed on " + r.URL.Path + ": use " + allow})
	})
}

func limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

// health is the JSON body of /healthz.
type health struct {
	Status      string    `json:"status"`
	LastRun     time.Time `json:"last_run,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Commit      string    `json:"commit,omitempty"`
	Error       string    `json:"error,omitempty"`
	// PendingDrop is the sudden drop awaiting confirmation, if any.
	PendingDrop *pendingHealth `json:"pending_drop,omitempty"`
	// Healthy is true when the last run succeeded, or held a drop back,
	// and the last success is less than two schedule periods (plus the
	// jitter) old.
	Healthy bool `json:"healthy"`
}

// pendingHealth sums up a pending drop in the /healthz body.
type pendingHealth struct {
	Reason        string    `json:"reason"`
	Detected      time.Time `json:"detected"`
	Head          string    `json:"head"`
	LostAddresses int       `json:"lost_addresses"`
	LostStreams   []string  `json:"lost_streams"`
}

func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	s := d.state.get()
	h := health{Status: s.Status, LastRun: s.LastRun, LastSuccess: s.LastSuccess,
		Commit: s.Commit, Error: s.Error}
	h.Healthy = d.healthy(s, time.Now())
	h.PendingDrop = d.pendingHealth()

	code := http.StatusOK
	if !h.Healthy {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
}

// pendingHealth reads the drop awaiting confirmation, or returns nil when
// none is pending or the record is unreadable, which it logs.
func (d *daemon) pendingHealth() *pendingHealth {
	drop, err := pipeline.ReadPending(d.archive.Dir())
	if err != nil {
		d.log.Error("read pending drop for /healthz", "error", err)
		return nil
	}
	if drop == nil {
		return nil
	}
	return &pendingHealth{Reason: drop.Reason, Detected: drop.Detected, Head: drop.Head,
		LostAddresses: len(drop.Addresses), LostStreams: drop.Streams}
}

// healthy reports whether the last run succeeded or held a drop back, and
// the last success is within two schedule periods, plus the jitter, before
// now. A held-back drop keeps the daemon healthy because the site responded
// and HEAD is still served, but drops held back run after run leave
// last_success behind until the daemon turns unhealthy.
func (d *daemon) healthy(s runState, now time.Time) bool {
	if s.Status != statusOK && s.Status != statusAwaiting || s.LastSuccess.IsZero() {
		return false
	}
	limit := 2*period(d.schedule, now.In(d.cfg.Location)) + d.cfg.Jitter
	return now.Sub(s.LastSuccess) <= limit
}

// runNow serves POST /run: it starts a run at once when the bearer token
// matches. Without a configured token the endpoint does not exist.
func (d *daemon) runNow(w http.ResponseWriter, r *http.Request) {
	want := d.cfg.RunToken.Reveal()
	if want == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": "POST /run is disabled: set run_token_file or COLLECTE_RUN_TOKEN to enable it"})
		return
	}
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="collecte"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing bearer token"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		// RFC 6750 section 3.1: a token that does not match is
		// invalid_token, with status 401.
		w.Header().Set("WWW-Authenticate", `Bearer realm="collecte", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid bearer token"})
		return
	}

	switch err := d.tryRun(d.root, triggerHTTP); {
	case errors.Is(err, errBusy):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "started"})
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme, and whether the header has that scheme and a token. The scheme
// name is case-insensitive (RFC 7235 section 2.1), so "bearer" is valid.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
