package daemon

import (
	"context"
	"sync"
	"time"
)

// minRetryWait is the shortest wait of the retry timer, so that a clock
// that jumps back cannot make it fire in a loop while no message is due.
const minRetryWait = time.Second

// retryTimer holds the time of the next retry of the e-mails whose send
// failed. Every Deliver call sets it from its Stats.NextTry, and retryLoop
// waits for it, so a failed send is retried at its own backoff and not at
// the next crawl, which the default schedule runs a day later.
type retryTimer struct {
	mu   sync.Mutex
	at   time.Time     // zero when no message waits
	wake chan struct{} // capacity 1: a value makes retryLoop read at again
	done chan struct{} // closed when retryLoop returns
}

func newRetryTimer() *retryTimer {
	return &retryTimer{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// set records the next retry, zero for none, and wakes retryLoop. It
// reports whether the time changed.
func (r *retryTimer) set(at time.Time) bool {
	r.mu.Lock()
	changed := !at.Equal(r.at)
	r.at = at
	r.mu.Unlock()

	select {
	case r.wake <- struct{}{}:
	default: // retryLoop has a wake-up pending already
	}
	return changed
}

func (r *retryTimer) next() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at
}

// retryLoop delivers the pending e-mails again when their next try comes,
// without crawling, until ctx ends.
func (d *daemon) retryLoop(ctx context.Context) {
	defer close(d.retry.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-d.retry.wake:
			timer.Stop()
			if at := d.retry.next(); !at.IsZero() {
				timer.Reset(max(time.Until(at), minRetryWait))
			}
		case <-timer.C:
			d.retryDeliveries(ctx)
		}
	}
}

// retryDeliveries runs Deliver between two runs, which sends the messages
// whose next try has come, and logs what it did.
func (d *daemon) retryDeliveries(ctx context.Context) {
	var o outcome
	d.deliver(ctx, &o)
	if ctx.Err() != nil {
		return
	}
	d.log.Info("e-mail deliveries retried", "mail_sent", o.mailSent, "mail_failed", o.mailFailed,
		"mail_retried", o.mailRetried)
}

// scheduleRetry sets the retry timer to next, the earliest next try that a
// Deliver call returned, and logs the new time when it changed.
func (d *daemon) scheduleRetry(next time.Time) {
	if !d.retry.set(next) {
		return
	}
	if next.IsZero() {
		d.log.Debug("no e-mail waits for a retry")
		return
	}
	d.log.Info("e-mail retry scheduled", "next_try", next.In(d.cfg.Location).Format(time.RFC3339))
}
