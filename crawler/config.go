package crawler

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

// The sources that Crawl supports.
const (
	SourceLegacy = "cacem-legacy" // collecte-dechets.cacem.fr, four /get/ endpoints
	SourceV1     = "cacem-v1"     // api.cacem.fr, paged /api/v1/dechets/passages
)

// Version is the program version written into the default User-Agent. The
// build sets it with -ldflags "-X github.com/collecte-cacem/collecte/crawler.Version=...".
var Version = "dev"

// Defaults applied by Crawl to the zero fields of Config.
const (
	DefaultParallel  = 2
	DefaultDelay     = 500 * time.Millisecond
	DefaultTimeout   = 30 * time.Second
	DefaultAttempts  = 4
	DefaultPageLimit = 1000
	DefaultMaxBody   = 10 << 20 // 10 MiB
	DefaultMaxPages  = 10000
)

// Config sets up one crawl. The zero value of every field but Source selects
// the documented default.
type Config struct {
	// Source is SourceLegacy or SourceV1.
	Source string

	// BaseURL is the scheme and host of the source, without a trailing path.
	// Empty selects DefaultURL(Source).
	BaseURL string

	// Parallel is the maximum number of requests in flight on the source
	// host. Zero selects DefaultParallel. The v1 source pages one request at
	// a time whatever its value, because each page depends on the previous.
	Parallel int

	// Delay is the pause each request slot takes after a request before the
	// next one on the same host. Zero selects DefaultDelay unless DelaySet is
	// true, so a caller that wants no pause sets Delay 0 and DelaySet true.
	Delay    time.Duration
	DelaySet bool

	// Timeout bounds one request attempt, body included. Zero selects
	// DefaultTimeout.
	Timeout time.Duration

	// Attempts is the number of tries per request, the first included. Zero
	// selects DefaultAttempts.
	Attempts int

	// PageLimit is the $limit requested from the v1 source. Zero selects
	// DefaultPageLimit.
	PageLimit int

	// MaxPages is the number of v1 pages after which paging is declared
	// endless and the crawl fails. Zero selects DefaultMaxPages.
	MaxPages int

	// MaxBody is the largest response body accepted, in bytes. A larger
	// body fails its request. Zero selects DefaultMaxBody.
	MaxBody int64

	// UserAgent is sent with every request, robots.txt included. Empty
	// selects "collecte/<Version> (+https://github.com/collecte-cacem/collecte)".
	UserAgent string

	// Logger receives the crawl logs. Nil discards them.
	Logger *slog.Logger

	// Progress is the destination of progress reports. A terminal gets a
	// progress bar, and any other writer gets a slog text Info line every
	// 5 seconds. Nil reports no progress.
	Progress io.Writer

	// OnRecords, when set, receives the records of each successful request
	// as soon as they are decoded, so that the caller can process them
	// while the crawl goes on. Over a crawl it receives exactly the records
	// that Result.Records holds, in another order. Crawl calls it from its
	// workers, possibly at the same time, and returns after the last call.
	// It must not modify the records.
	OnRecords func([]snapshot.Record)

	// Backoff returns the wait before attempt+1 after attempt failed
	// (attempt counts from 1). Nil selects exponential backoff from 1s,
	// doubled per attempt up to 30s, with jitter. A Retry-After header
	// takes precedence over it.
	Backoff func(attempt int) time.Duration
}

// DefaultURL returns the public base URL of source.
func DefaultURL(source string) (string, error) {
	switch source {
	case SourceLegacy:
		return "https://collecte-dechets.cacem.fr", nil
	case SourceV1:
		return "https://api.cacem.fr", nil
	}

	return "", fmt.Errorf("source %q: %w (use %q or %q)", source, ErrUnknownSource, SourceLegacy, SourceV1)
}

// withDefaults returns cfg with its zero fields set to the defaults, or an
// error naming the first invalid field.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.BaseURL == "" {
		u, err := DefaultURL(cfg.Source)
		if err != nil {
			return cfg, err
		}
		cfg.BaseURL = u
	}
	if _, err := DefaultURL(cfg.Source); err != nil {
		return cfg, err
	}

	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return cfg, err
	}
	cfg.BaseURL = base

	if err := cfg.checkNumbers(); err != nil {
		return cfg, err
	}

	cfg.Parallel = orDefault(cfg.Parallel, DefaultParallel)
	cfg.Attempts = orDefault(cfg.Attempts, DefaultAttempts)
	cfg.PageLimit = orDefault(cfg.PageLimit, DefaultPageLimit)
	cfg.MaxPages = orDefault(cfg.MaxPages, DefaultMaxPages)
	cfg.MaxBody = orDefault(cfg.MaxBody, DefaultMaxBody)
	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	if !cfg.DelaySet {
		cfg.Delay = orDefault(cfg.Delay, DefaultDelay)
	}

	if cfg.UserAgent == "" {
		cfg.UserAgent = "collecte/" + Version + " (+https://github.com/collecte-cacem/collecte)"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Backoff == nil {
		cfg.Backoff = defaultBackoff
	}

	return cfg, nil
}

func (cfg Config) checkNumbers() error {
	negative := map[string]bool{
		"Parallel":  cfg.Parallel < 0,
		"Delay":     cfg.Delay < 0,
		"Timeout":   cfg.Timeout < 0,
		"Attempts":  cfg.Attempts < 0,
		"PageLimit": cfg.PageLimit < 0,
		"MaxPages":  cfg.MaxPages < 0,
		"MaxBody":   cfg.MaxBody < 0,
	}
	for _, name := range []string{"Parallel", "Delay", "Timeout", "Attempts", "PageLimit", "MaxPages", "MaxBody"} {
		if negative[name] {
			return fmt.Errorf("crawler config: %s is negative: %w (use 0 for the default)", name, ErrInvalidConfig)
		}
	}

	return nil
}

func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("crawler config: base URL %q: %w", raw, err)
	}

	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("crawler config: base URL %q: %w (want http:// or https:// and a host)", raw, ErrInvalidConfig)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", fmt.Errorf("crawler config: base URL %q has a path or query: %w (give the scheme and host only)", raw, ErrInvalidConfig)
	}

	return u.Scheme + "://" + u.Host, nil
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
