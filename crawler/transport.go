package crawler

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
)

// rawBody is a response body as it came off the wire. Complete is false when
// the reader stopped before the end of the body, as colly does at its
// MaxBodySize.
type rawBody struct {
	data     []byte
	complete bool
}

// recorder is the http.RoundTripper given to colly. colly replaces a body
// served with a non-UTF-8 charset by its decoded form, so the recorder keeps
// the bytes as received, keyed by request URL, for the fetcher to take.
// Each planned URL is requested by one goroutine at a time, so the URL alone
// identifies the attempt.
type recorder struct {
	base    http.RoundTripper
	ctx     context.Context
	maxBody int64

	mu     sync.Mutex
	bodies map[string]rawBody
}

func newRecorder(ctx context.Context, base http.RoundTripper, maxBody int64) *recorder {
	return &recorder{base: base, ctx: ctx, maxBody: maxBody, bodies: make(map[string]rawBody)}
}

// RoundTrip sends req through the base transport and wraps the body. colly
// fetches robots.txt with a request that has no context, so such a request
// gets the crawl context and stops when the crawl is canceled.
func (t *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Context().Done() == nil {
		req = req.WithContext(t.ctx)
	}

	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}

	b := &recordingBody{body: resp.Body, key: req.URL.String(), rec: t}
	if resp.ContentLength > 0 {
		// colly reads at most one byte more than the cap, and a declared
		// length is not trusted beyond that.
		b.data = make([]byte, 0, min(resp.ContentLength, t.maxBody+1))
	}
	resp.Body = b
	return resp, nil
}

// take removes and returns the body recorded for url.
func (t *recorder) take(url string) rawBody {
	t.mu.Lock()
	defer t.mu.Unlock()

	b := t.bodies[url]
	delete(t.bodies, url)
	return b
}

func (t *recorder) store(url string, b rawBody) {
	t.mu.Lock()
	defer t.mu.Unlock()

	t.bodies[url] = b
}

// recordingBody copies what is read from body and hands the copy to the
// recorder when closed.
type recordingBody struct {
	body io.ReadCloser
	key  string
	rec  *recorder

	data     []byte
	complete bool
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.data = append(b.data, p[:n]...)

	if errors.Is(err, io.EOF) {
		b.complete = true
	}
	return n, err
}

func (b *recordingBody) Close() error {
	if b.key != "" {
		b.rec.store(b.key, rawBody{data: b.data, complete: b.complete})
		b.key = ""
	}

	return b.body.Close()
}
