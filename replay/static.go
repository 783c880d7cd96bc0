package replay

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
)

const (
	jsonContentType = "application/json; charset=utf-8"
	robotsTxt       = "User-agent: *\nAllow: /\n"
)

// staticFiles serves fixed response bodies keyed by URL path, as a
// generation-1 site does. The map must not change once serving starts.
type staticFiles map[string][]byte

func (s staticFiles) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", serveRobots)
	mux.HandleFunc("GET /", s.serveFile)
	return mux
}

func (s staticFiles) serveFile(w http.ResponseWriter, r *http.Request) {
	body, ok := s[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "no resource at "+r.URL.Path)
		return
	}

	w.Header().Set("Content-Type", jsonContentType)
	w.Write(body)
}

func serveRobots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(robotsTxt))
}

// errorBody is the JSON error of both generations, in the shape of a
// Feathers error: {"name", "message", "code"}.
type errorBody struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Code    int    `json:"code"`
}

func writeError(w http.ResponseWriter, status int, name, message string) {
	body, err := marshalJSON(errorBody{Name: name, Message: message, Code: status})
	if err != nil {
		slog.Error("encode replay error response", "component", "replay", "error", err)
		http.Error(w, message, status)
		return
	}

	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	w.Write(body)
}

// marshalJSON encodes v as a Node.js server does: without escaping <, > and &
// and without a final newline, so a recorded body can be reproduced byte for
// byte.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)

	if err := enc.Encode(v); err != nil {
		return nil, err
	}

	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
