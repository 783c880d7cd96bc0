package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/gocolly/colly/v2"
)

// job is one planned request. decode receives the body as UTF-8 text and
// rejects it when it does not have the expected shape.
type job struct {
	url    string
	path   string
	place  *snapshot.Place // the address of a per-address request, else nil
	decode func(body []byte) error
}

// fetcher runs the requests of one crawl through one colly collector.
type fetcher struct {
	cfg      Config
	c        *colly.Collector
	limit    *colly.LimitRule // the host's rule, whose Delay Crawl may lengthen
	rec      *recorder
	slots    slots
	base     *http.Transport
	log      *slog.Logger
	progress *progress
	robots   *robotsRules // set by Crawl before the first request

	requests, retries, bytes, failures atomic.Int64
	retryWarnings                      atomic.Int64

	mu  sync.Mutex
	raw map[string][]byte
}

func newFetcher(ctx context.Context, cfg Config) (*fetcher, error) {
	base := newBaseTransport(cfg)
	rec := newRecorder(ctx, base, cfg.MaxBody)

	slots := make(slots, cfg.Parallel)
	c, limit, err := newCollector(ctx, cfg, rec, slots)
	if err != nil {
		return nil, err
	}

	f := &fetcher{
		cfg:   cfg,
		c:     c,
		limit: limit,
		rec:   rec,
		slots: slots,
		base:  base,
		log:   cfg.Logger.With("component", "crawler", "source", cfg.Source),
		raw:   make(map[string][]byte),
	}
	f.progress = newProgress(cfg.Progress, f.log)
	return f, nil
}

// close stops the progress report and drops idle connections.
func (f *fetcher) close() {
	f.progress.stop()
	f.base.CloseIdleConnections()
}

// attempt is the result of one HTTP attempt. err is nil on success. retry
// reports whether a failure is worth another attempt, and wait is the pause
// the server requested before it, valid when waitOK is true.
type attempt struct {
	status int
	raw    []byte
	text   []byte
	err    error
	retry  bool
	wait   time.Duration
	waitOK bool
}

// get requests j until it succeeds, fails for good or runs out of attempts,
// then decodes its body. It returns the outcome, and ctx.Err() when the
// crawl was canceled meanwhile.
func (f *fetcher) get(ctx context.Context, j job) (Outcome, error) {
	out := Outcome{URL: j.url, Path: j.path, Place: j.place}
	if err := ctx.Err(); err != nil {
		return f.cancel(out, fmt.Errorf("canceled before the first attempt: %w", err)), err
	}

	for n := 1; ; n++ {
		a := f.try(ctx, j.url)
		f.record(&out, n, a)

		if err := ctx.Err(); err != nil {
			return f.cancel(out, fmt.Errorf("canceled: %w", err)), err
		}
		if a.err == nil {
			return f.accept(out, j, a), nil
		}
		if !a.retry || n >= f.cfg.Attempts {
			return f.fail(out, a.err), nil
		}

		wait := f.cfg.Backoff(n)
		if a.waitOK {
			wait = a.wait
		}
		f.logRetry(out, a, wait)

		if err := sleep(ctx, wait); err != nil {
			return f.cancel(out, fmt.Errorf("canceled while waiting to retry: %w", err)), err
		}
	}
}

func (f *fetcher) record(out *Outcome, n int, a attempt) {
	out.Attempts = n
	out.Status = a.status
	out.Bytes = len(a.raw)

	f.requests.Add(1)
	f.bytes.Add(int64(len(a.raw)))
	if n > 1 {
		f.retries.Add(1)
		f.progress.retried()
	}

	// The check spares the boxing of the arguments on every request.
	if f.log.Enabled(context.Background(), slog.LevelDebug) {
		f.log.Debug("response", "url", out.URL, "status", a.status, "attempt", n, "bytes", len(a.raw))
	}
}

// accept decodes a successful body and stores its raw bytes.
func (f *fetcher) accept(out Outcome, j job, a attempt) Outcome {
	if err := j.decode(a.text); err != nil {
		return f.fail(out, fmt.Errorf("invalid response body: %w", err))
	}

	f.mu.Lock()
	f.raw[j.path] = a.raw
	f.mu.Unlock()

	f.progress.finished(false)
	return out
}

func (f *fetcher) fail(out Outcome, err error) Outcome {
	out.Err = err.Error()

	n := f.failures.Add(1)
	f.progress.finished(true)

	if n <= maxLoggedLines {
		f.log.Error("request failed", "url", out.URL, "status", out.Status, "attempt", out.Attempts, "error", err)
	}
	if n == maxLoggedLines {
		f.log.Error("further failed requests are counted, not logged")
	}
	return out
}

// cancel marks out failed because the crawl was canceled. It logs nothing,
// since one cancellation would otherwise log every pending request.
func (f *fetcher) cancel(out Outcome, err error) Outcome {
	out.Err = err.Error()
	f.progress.finished(true)
	return out
}

func (f *fetcher) logRetry(out Outcome, a attempt, wait time.Duration) {
	n := f.retryWarnings.Add(1)
	if n > maxLoggedLines {
		return
	}

	f.log.Warn("request will be retried", "url", out.URL, "status", a.status,
		"attempt", out.Attempts, "wait_ms", wait.Milliseconds(), "error", a.err)
	if n == maxLoggedLines {
		f.log.Warn("further retries are counted, not logged")
	}
}

// try makes one HTTP attempt and classifies how it ended.
func (f *fetcher) try(ctx context.Context, url string) attempt {
	if !f.robots.allowed(url) {
		return attempt{err: errors.New("disallowed by the site's robots.txt, so not requested")}
	}

	hold := &slotHold{slots: f.slots}
	cctx := colly.NewContext()
	cctx.Put(ctxSlot, hold)
	hdr := http.Header{"Accept": {"application/json"}}
	err := f.c.Request(http.MethodGet, url, nil, cctx, hdr)
	hold.release()

	final := cctx.Get(ctxURL)
	body := f.rec.take(final)
	resp, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	status, _ := cctx.GetAny(ctxStatus).(int)

	switch {
	case ctx.Err() != nil:
		return attempt{status: status, err: ctx.Err()}
	case err != nil:
		a := f.classifyError(err, final != "" && body.complete, body)
		a.status = status
		return a
	case resp == nil:
		return attempt{err: errors.New("no response"), retry: true}
	}

	return f.check(resp, body)
}

// classifyError sorts an error returned by colly. A body read to its end
// means the transfer worked and colly failed after it, for instance on an
// unknown charset, so another attempt would fail the same way.
func (f *fetcher) classifyError(err error, received bool, body rawBody) attempt {
	a := attempt{raw: body.data, err: err}

	switch {
	case errors.Is(err, colly.ErrForbiddenDomain):
		a.err = fmt.Errorf("redirected off the source host: %w", err)
	case received:
		a.err = fmt.Errorf("process response: %w", err)
	case isTimeout(err):
		a.err = fmt.Errorf("timed out after %v, body included (raise Timeout for a slow site): %w", f.cfg.Timeout, err)
		a.retry = true
	default:
		a.retry = true
	}
	return a
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// check validates a response that arrived: status 200 only, a complete body
// within MaxBody, and text that decodes to valid UTF-8.
func (f *fetcher) check(resp *colly.Response, body rawBody) attempt {
	a := attempt{status: resp.StatusCode, raw: body.data}

	if retryable(resp.StatusCode) {
		a.err = fmt.Errorf("server returned %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		a.retry = true
		a.wait, a.waitOK = retryAfter(*resp.Headers, time.Now())
		return a
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// colly v2.3.0 follows 10 redirects, then returns the last one.
		a.err = fmt.Errorf("unexpected status %d %s (want 200): redirect loop or more than 10 redirects, last to %q",
			resp.StatusCode, http.StatusText(resp.StatusCode), resp.Headers.Get("Location"))
		return a
	}
	if resp.StatusCode != http.StatusOK {
		a.err = fmt.Errorf("unexpected status %d %s (want 200)", resp.StatusCode, http.StatusText(resp.StatusCode))
		return a
	}

	if int64(len(body.data)) > f.cfg.MaxBody {
		a.err = fmt.Errorf("body larger than the %d-byte limit (raise MaxBody if the site grew)", f.cfg.MaxBody)
		return a
	}
	if !body.complete {
		a.err = errors.New("body was not read to its end")
		a.retry = true
		return a
	}

	ctype := parseContentType(resp.Headers.Get("Content-Type"))
	text, err := decodeText(body.data, ctype)
	if err != nil {
		a.err = err
		return a
	}

	// A 200 HTML page where JSON is expected is most often a maintenance
	// or proxy error page, a transient condition of the site, so it is
	// retried like a 503 before it fails the request.
	if isHTML(ctype, text) {
		a.err = fmt.Errorf("HTML page instead of JSON (Content-Type %q, body starts with %q), such as a maintenance page", ctype.header, preview(text))
		a.retry = true
		return a
	}
	a.text = text
	return a
}
