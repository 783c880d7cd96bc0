package daemon

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
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

func (d *daemon) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /run", d.runNow)

	feeds := feed.Handler(d.archive, d.feedOptions())
	mux.Handle("GET /feed.atom", feeds)
	mux.Handle("GET /feed.rss", feeds)
	mux.HandleFunc("GET /feed-operateur.atom", d.operatorFeed)

	mux.Handle("/", web.New(d.archive, web.Options{
		PublicURL: d.cfg.PublicURL,
		Location:  d.cfg.Location,
		Logger:    d.base,
	}))
	return mux
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
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="collecte"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing bearer token"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "invalid bearer token"})
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

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
