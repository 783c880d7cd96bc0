package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gocolly/colly/v2"
)

// Keys of the per-request colly.Context values set by the callbacks.
const (
	ctxURL      = "final_url"
	ctxResponse = "response"
	ctxStatus   = "status"
	ctxSlot     = "slot"
)

// newCollector returns a fresh colly collector for one crawl. It stays on
// the host of cfg.BaseURL. colly's robots.txt check is off, because the
// fetcher reads robots.txt once before the crawl and tests every URL itself. It may revisit a URL,
// because the fetcher retries by requesting it again. It hands every
// response, whatever its status, to the fetcher through the request's
// colly.Context. A request takes one of slots before colly sends it, and
// gives it back once colly has read the body. The limit rule is returned so
// that a Crawl-delay read from robots.txt can lengthen its Delay.
//
// NOTE: robots.txt is tested for the requested URL only, not for the
// target of a redirect on the same host.
func newCollector(ctx context.Context, cfg Config, rec *recorder, slots slots) (*colly.Collector, *colly.LimitRule, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("parse base URL %q: %w", cfg.BaseURL, err)
	}

	// The settings are assigned after NewCollector, because NewCollector
	// lets COLLY_* environment variables override its options, and a crawl
	// must not lose its settings, such as its body cap, to the environment.
	c := colly.NewCollector()
	c.UserAgent = cfg.UserAgent
	c.AllowedDomains = []string{u.Hostname()}
	c.DisallowedDomains = nil
	c.AllowURLRevisit = true
	c.ParseHTTPErrorResponse = true
	c.IgnoreRobotsTxt = true
	c.DetectCharset = false
	c.CacheDir = ""
	c.MaxDepth = 0
	c.MaxRequests = 0
	c.TraceHTTP = false
	c.Context = ctx
	// colly truncates a body at MaxBodySize without an error, so one byte
	// more than the cap distinguishes a body at the cap from a larger one.
	c.MaxBodySize = int(cfg.MaxBody) + 1
	c.SetRedirectHandler(nil)
	c.SetRequestTimeout(cfg.Timeout)
	c.WithTransport(rec)

	// A regexp, not a glob, because an IPv6 host such as [::1]:8080
	// contains glob brackets.
	rule := &colly.LimitRule{
		DomainRegexp: "^" + regexp.QuoteMeta(u.Host) + "$",
		Parallelism:  cfg.Parallel,
		Delay:        cfg.Delay,
	}
	if err := c.Limit(rule); err != nil {
		return nil, nil, fmt.Errorf("set limit rule for host %q: %w", u.Host, err)
	}

	// colly calls OnRequest before it waits for its own LimitRule slot,
	// in a wait that ctx does not end, so the request waits here instead.
	c.OnRequest(func(r *colly.Request) {
		if hold, ok := r.Ctx.GetAny(ctxSlot).(*slotHold); ok && hold.acquire(ctx) != nil {
			r.Abort()
		}
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		r.Ctx.Put(ctxURL, r.Request.URL.String())
		r.Ctx.Put(ctxStatus, r.StatusCode)
	})
	c.OnResponse(func(r *colly.Response) {
		r.Ctx.Put(ctxResponse, r)
		if hold, ok := r.Ctx.GetAny(ctxSlot).(*slotHold); ok {
			hold.release()
		}
	})

	return c, rule, nil
}

// newBaseTransport returns the transport under the recorder, with enough
// idle connections per host for cfg.Parallel requests.
func newBaseTransport(cfg Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(cfg.Parallel, 2)
	return t
}
