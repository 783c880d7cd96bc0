package crawler

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bounds of the waits between attempts.
const (
	backoffBase    = time.Second
	backoffMax     = 30 * time.Second
	retryAfterMax  = 5 * time.Minute
	maxLoggedLines = 10 // retries, then failures, logged one by one before counting only
)

// defaultBackoff doubles the wait from backoffBase per attempt up to
// backoffMax, and picks it at random in the upper half of that range so
// that parallel requests do not retry in step.
func defaultBackoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 6 {
		d = min(backoffBase<<max(attempt-1, 0), backoffMax)
	}

	half := d / 2
	return half + rand.N(half+1)
}

// retryable reports whether a response status is worth another attempt:
// 429 Too Many Requests and every 5xx.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// retryAfter returns the wait a Retry-After header requests, either
// delay-seconds or an HTTP-date (RFC 9110 section 10.2.3), capped at
// retryAfterMax. ok is false when the header is absent or invalid.
func retryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}

	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return min(time.Duration(min(secs, int64(retryAfterMax/time.Second)))*time.Second, retryAfterMax), true
	}

	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0), retryAfterMax), true
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}

	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
