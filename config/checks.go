package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/robfig/cron/v3"

	"github.com/collecte-cacem/collecte/crawler"
)

func checkSource(v string) error {
	if v != crawler.SourceV1 && v != crawler.SourceLegacy {
		return fmt.Errorf("want %s or %s", crawler.SourceV1, crawler.SourceLegacy)
	}
	return nil
}

func checkRequired(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// checkBaseURL accepts an empty value or an http(s) URL without query.
func checkBaseURL(v string) error {
	if v == "" {
		return nil
	}
	return checkHTTPURL(v)
}

func checkPublicURL(v string) error {
	return checkBaseURL(v)
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http:// or https:// URL, such as https://example.org")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("remove the query and fragment from the URL")
	}
	return nil
}

// ParseSchedule parses a crawl schedule as the daemon does: a standard
// 5-field cron spec or a descriptor such as "@every 6h".
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}

func checkSchedule(v string) error {
	if _, err := ParseSchedule(v); err != nil {
		return fmt.Errorf("%v; want 5 cron fields (minute hour day month weekday) "+
			`such as "0 6 * * *", or "@every 6h", "@daily"`, err)
	}
	return nil
}

func checkTimezone(v string) error {
	if v == "" || v == "Local" {
		return errors.New("want an explicit IANA zone such as America/Martinique")
	}
	if _, err := time.LoadLocation(v); err != nil {
		return fmt.Errorf("unknown time zone; want an IANA zone such as America/Martinique")
	}
	return nil
}

func checkNonNegative(d time.Duration) error {
	if d < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

func checkPositive(d time.Duration) error {
	if d <= 0 {
		return errors.New("must be positive, such as 30s")
	}
	return nil
}

func between(key string, lo, hi int) func(int) error {
	return func(n int) error {
		if n < lo || n > hi {
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		return nil
	}
}

func checkListen(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("want host:port, such as 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("want a port number from 0 to 65535")
	}
	if host == "" {
		return errors.New("name the host: 127.0.0.1 for loopback, 0.0.0.0 to listen on every interface")
	}
	return nil
}

// CheckUserAgent rejects a User-Agent header value that holds a control
// character (C0 such as CR, LF or tab, DEL, or C1), which would end the
// header or be rejected by the HTTP client. An empty value selects the
// default User-Agent.
func CheckUserAgent(v string) error {
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("must not contain control characters such as %q", r)
		}
	}
	return nil
}

func checkOptionalAddress(v string) error {
	if v == "" {
		return nil
	}
	return checkAddress(v)
}

func checkAddress(v string) error {
	if _, err := mail.ParseAddress(v); err != nil || strings.ContainsAny(v, "\r\n") {
		return errors.New("want an e-mail address such as someone@example.org")
	}
	return nil
}

func checkOneOf(values ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(values, v) {
			return fmt.Errorf("want one of %s", strings.Join(values, ", "))
		}
		return nil
	}
}

// checkPushURL accepts the remotes go-git can push to: http(s), ssh,
// file and the scp-like user@host:path, or a local path.
func checkPushURL(v string) error {
	scpLike := strings.Contains(v, "@") && !strings.Contains(v, "://")
	if v == "" || strings.HasPrefix(v, "/") || scpLike {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("want a git remote URL such as https://host/repo.git or ssh://git@host/repo.git")
	}
	switch u.Scheme {
	case "https", "http", "ssh", "file":
		return nil
	}
	return errors.New("want an https://, ssh:// or file:// URL, user@host:path, or an absolute path")
}

func checkBranch(v string) error {
	if !plumbing.NewBranchReferenceName(v).IsBranch() || v == "" || strings.ContainsAny(v, " ~^:?*[\\") {
		return errors.New("want a branch name such as main")
	}
	return nil
}
