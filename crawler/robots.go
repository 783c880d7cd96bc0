package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/temoto/robotstxt"
)

// ErrRobotsUnavailable is matched by a *RobotsError: robots.txt returned a
// server error or could not be fetched, so the crawl was skipped.
var ErrRobotsUnavailable = errors.New("robots.txt unavailable")

// maxCrawlDelay caps the Crawl-delay of robots.txt that a crawl honours,
// so that a mistaken value cannot stretch one run over days.
const maxCrawlDelay = 30 * time.Second

// maxRobotsRedirects is the number of redirects followed for robots.txt,
// the minimum that RFC 9309 section 2.3.1.2 asks crawlers to follow.
const maxRobotsRedirects = 5

// RobotsError reports a robots.txt request that got 429, a 5xx status or no
// response at all after the configured attempts. RFC 9309 section 2.3.1.4
// then requires the crawler to assume that every path is disallowed, so
// Crawl requests nothing else and the run is skipped. A 429 is treated like
// a 5xx, although the RFC groups it with the 4xx that allow everything,
// because it asks the crawler to come back later. It matches both
// ErrRobotsUnavailable and ErrCrawlFailed with errors.Is.
type RobotsError struct {
	// URL is the robots.txt URL.
	URL string
	// Status is the HTTP status of the last attempt, 0 if none arrived.
	Status int
	// Attempts is the number of tries made.
	Attempts int
	// Err is why the last attempt failed.
	Err error
}

// Error names the robots.txt URL, the last status and the consequence.
func (e *RobotsError) Error() string {
	return fmt.Sprintf("robots.txt %s unavailable after %d attempt(s), last status %d: %v; "+
		"run skipped, because a crawler must assume every path disallowed while robots.txt "+
		"cannot be read (RFC 9309 section 2.3.1.4)", e.URL, e.Attempts, e.Status, e.Err)
}

// Is matches ErrRobotsUnavailable and ErrCrawlFailed.
func (e *RobotsError) Is(target error) bool {
	return target == ErrRobotsUnavailable || target == ErrCrawlFailed
}

// Unwrap returns the error of the last attempt.
func (e *RobotsError) Unwrap() error {
	return e.Err
}

// robotsRules are the robots.txt rules of the crawl's user agent. A nil
// *robotsRules allows every path, as a robots.txt that returns 4xx does.
type robotsRules struct {
	group *robotstxt.Group
}

// crawlDelay returns the Crawl-delay of the crawl's group, 0 when it sets
// none.
func (r *robotsRules) crawlDelay() time.Duration {
	if r == nil || r.group == nil {
		return 0
	}
	return r.group.CrawlDelay
}

// applyCrawlDelay lengthens the pause after each request when robots.txt
// asks for more time between requests than the configured delay. RFC 9309
// leaves Crawl-delay out, but it is how sites commonly ask for a slower
// crawl. Each of the Parallel request slots pauses after its own request,
// so the pause becomes Crawl-delay times Parallel: one request starts per
// Crawl-delay on average.
func (f *fetcher) applyCrawlDelay() {
	asked := f.robots.crawlDelay()
	if asked <= 0 {
		return
	}
	if asked > maxCrawlDelay {
		f.log.Warn("robots.txt Crawl-delay is above the maximum honoured; using the maximum",
			"crawl_delay_ms", asked.Milliseconds(), "max_ms", maxCrawlDelay.Milliseconds())
		asked = maxCrawlDelay
	}

	pause := asked * time.Duration(f.cfg.Parallel)
	if pause <= f.limit.Delay {
		return
	}
	f.limit.Delay = pause
	f.log.Info("robots.txt Crawl-delay lengthens the pause after each request",
		"crawl_delay_ms", asked.Milliseconds(), "delay_ms", pause.Milliseconds(), "parallel", f.cfg.Parallel)
}

// allowed reports whether rawURL may be requested. The path and query are
// tested as colly v2.3.0 tests them.
func (r *robotsRules) allowed(rawURL string) bool {
	if r == nil || r.group == nil {
		return true
	}

	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.Query().Encode()
	}
	return r.group.Test(path)
}

// fetchRobots reads robots.txt once for the whole crawl. colly's own check
// is turned off, because colly v2.3.0 returns a bare transport error on
// every request while robots.txt cannot be reached, and turns a 5xx into a
// cached disallow-all that shows up as one "blocked by robots.txt" failure
// per request instead of one clear error.
func (f *fetcher) fetchRobots(ctx context.Context) (*robotsRules, error) {
	robotsURL := f.cfg.BaseURL + "/robots.txt"
	client := f.robotsClient()

	var status int
	var err error
	for n := 1; ; n++ {
		var body []byte
		status, body, err = f.getRobots(ctx, client, robotsURL)
		switch {
		case err == nil && status >= 200 && status < 300:
			rules, perr := parseRobots(body, f.cfg.UserAgent)
			if perr != nil {
				return nil, &RobotsError{URL: robotsURL, Status: status, Attempts: n, Err: perr}
			}
			return rules, nil
		case err == nil && status >= 400 && status < 500 && status != http.StatusTooManyRequests:
			f.log.Info("robots.txt not found; no path is disallowed", "url", robotsURL, "status", status)
			return nil, nil
		case err == nil:
			err = fmt.Errorf("server returned %d %s", status, http.StatusText(status))
		}

		if ctx.Err() != nil || n >= f.cfg.Attempts {
			return nil, &RobotsError{URL: robotsURL, Status: status, Attempts: n, Err: err}
		}
		f.log.Warn("robots.txt request will be retried", "url", robotsURL, "status", status, "attempt", n, "error", err)
		if serr := sleep(ctx, f.cfg.Backoff(n)); serr != nil {
			return nil, &RobotsError{URL: robotsURL, Status: status, Attempts: n, Err: serr}
		}
	}
}

// robotsClient follows up to maxRobotsRedirects redirects on the source
// host. NOTE: RFC 9309 allows following robots.txt to another host, which
// this client rejects, so such a site fails closed.
func (f *fetcher) robotsClient() *http.Client {
	host := ""
	if u, err := url.Parse(f.cfg.BaseURL); err == nil {
		host = u.Host
	}

	return &http.Client{
		Transport: f.base,
		Timeout:   f.cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != host {
				return fmt.Errorf("robots.txt redirected off the source host to %s", req.URL)
			}
			if len(via) > maxRobotsRedirects {
				return fmt.Errorf("robots.txt redirected more than %d times", maxRobotsRedirects)
			}
			return nil
		},
	}
}

// getRobots makes one attempt and reads at most MaxBody bytes of the body.
func (f *fetcher) getRobots(ctx context.Context, client *http.Client, robotsURL string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, robotsURL, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)

	resp, err := client.Do(req)
	if err != nil {
		if isTimeout(err) {
			err = fmt.Errorf("timed out after %v: %w", f.cfg.Timeout, err)
		}
		return 0, nil, err
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, body, nil
}

func parseRobots(body []byte, userAgent string) (*robotsRules, error) {
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		return nil, fmt.Errorf("parse robots.txt: %w", err)
	}
	return &robotsRules{group: data.FindGroup(userAgent)}, nil
}
