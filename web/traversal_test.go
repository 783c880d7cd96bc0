package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestPathsStayInsideArchive requests paths that try to leave the archive
// or the embedded assets: dot segments, encoded slashes and absolute
// paths. None may answer with a file of the host.
func TestPathsStayInsideArchive(t *testing.T) {
	h, _ := newTestHandler(sharedArchive(t))
	targets := []string{
		"/static/../../../../etc/passwd",
		"/static/..%2F..%2F..%2Fetc%2Fpasswd",
		"/static/%2Fetc%2Fpasswd",
		"/instantane/HEAD/..%2F..%2F..%2Fetc%2Fpasswd",
		"/instantane/HEAD/%2Fetc%2Fpasswd",
		"/instantane/..%2F..%2Fconfig/crawl.json",
		"/instantane/HEAD/..",
		"/adresse/..%2F..%2Fetc%2Fpasswd",
		"/adresse/%2Fetc%2Fpasswd.ics",
		"//etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/instantane/HEAD/config",
		"/instantane/HEAD/HEAD",
		"/instantane/HEAD/collecte.lock",
	}
	for _, target := range targets {
		res := get(t, h, target)
		text := body(t, res)
		if res.StatusCode == http.StatusOK {
			t.Errorf("GET %s: status 200, want an error status", target)
		}
		if strings.Contains(text, "root:") || strings.Contains(text, "[core]") {
			t.Errorf("GET %s: the body holds a host or repository file", target)
		}
	}
}
