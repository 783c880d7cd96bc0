package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/feed"
)

// Retry policy of a failed send: the wait doubles from firstRetry up to
// maxRetry, and a delivery is abandoned after maxAttempts tries. When each
// retry happens at its next try, as the daemon's retry timer makes it,
// the 19 waits add up to 4,111 minutes, about 68.5 hours.
const (
	firstRetry  = time.Minute
	maxRetry    = 6 * time.Hour
	maxAttempts = 20
)

// Stats counts what one Deliver call did.
type Stats struct {
	// Sent is the number of messages sent.
	Sent int
	// Failed is the number of sends that failed, each retried later unless
	// it was the last attempt.
	Failed int
	// Pending is the number of messages not tried because their next try
	// is later.
	Pending int
	// Retried is the number of sends, among Sent and Failed, that retried
	// an earlier failed send.
	Retried int
	// NextTry is the earliest next try of the messages still waiting for
	// one, or the zero time when none waits.
	NextTry time.Time
}

// waitUntil records that a message waits for its next try at t.
func (s *Stats) waitUntil(t time.Time) {
	if s.NextTry.IsZero() || t.Before(s.NextTry) {
		s.NextTry = t
	}
}

// Deliver sends the messages due for the commits of main: one per watcher
// and per commit whose report has a change the watcher follows. The first
// snapshot of the archive (the baseline) and commits without schedule
// changes send nothing. Deliver records each send in the state file before
// the next one, so calling it again, even from a new Notifier, sends nothing
// twice.
//
// A watcher not yet in the state starts at the current HEAD and gets no
// message for older commits. Call Deliver once at start-up, before the first
// crawl, so that new watchers start before that crawl's commit.
//
// A failed send is logged with the key "error", counted in Stats.Failed and
// retried by a later call after a backoff. Stats.NextTry is the time
// the earliest retry is due, so the caller can call Deliver again then. The
// returned error reports what
// stops Deliver: an unreadable archive, a state file that cannot be written
// or the end of ctx.
func (n *Notifier) Deliver(ctx context.Context, a *archive.Archive) (Stats, error) {
	var st Stats
	if len(n.opt.Watchers) == 0 {
		return st, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()

	commits, err := a.Log()
	if err != nil {
		return st, fmt.Errorf("deliver: read history of %s: %w", a.Dir(), err)
	}
	run := &run{n: n, a: a, commits: commits, reports: map[string]diff.Report{}, now: n.opt.Now(), stats: &st}
	for _, w := range n.opt.Watchers {
		if err := run.watcher(ctx, w); err != nil {
			return st, err
		}
	}
	return st, nil
}

// run is one Deliver call.
type run struct {
	n       *Notifier
	a       *archive.Archive
	commits []archive.Commit // newest first
	reports map[string]diff.Report
	now     time.Time
	stats   *Stats
}

// watcher sends the messages due to w, oldest commit first, and moves its
// Since past every commit that needs nothing more.
func (r *run) watcher(ctx context.Context, w Watcher) error {
	key := strings.ToLower(w.Email)
	ws := r.n.state.Watchers[key]
	if ws == nil {
		return r.addWatcher(key)
	}

	todo, found := after(r.commits, ws.Since)
	if !found {
		r.n.log.Warn("watcher's last commit is not on main any more, restarting at HEAD", "email", w.Email, "commit", ws.Since)
		ws.Since = ""
		if len(r.commits) > 0 {
			ws.Since = r.commits[0].Hash
		}
		return r.n.state.save(r.n.opt.StatePath)
	}

	done := true
	for _, c := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		finished, err := r.commit(ctx, w, c)
		if err != nil {
			return err
		}
		done = done && finished
		if done && ws.Since != c.Hash {
			ws.Since = c.Hash
			if err := r.n.state.save(r.n.opt.StatePath); err != nil {
				return err
			}
		}
	}
	return nil
}

// addWatcher records a new watcher at the current HEAD.
func (r *run) addWatcher(key string) error {
	ws := &watcherState{Added: r.now}
	if len(r.commits) > 0 {
		ws.Since = r.commits[0].Hash
	}
	r.n.state.Watchers[key] = ws
	r.n.log.Info("watcher added", "email", key, "commit", ws.Since)
	return r.n.state.save(r.n.opt.StatePath)
}

// after returns the commits newer than since, oldest first, and whether
// since was found. An empty since selects the whole history.
func after(commits []archive.Commit, since string) ([]archive.Commit, bool) {
	var out []archive.Commit
	found := since == ""
	for _, c := range commits {
		if c.Hash == since {
			found = true
			break
		}
		out = append(out, c)
	}
	if !found {
		return nil, false
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, true
}

// commit sends the message of c to w when one is due, and reports whether
// c needs nothing more for w: nothing to send, sent, or abandoned.
func (r *run) commit(ctx context.Context, w Watcher, c archive.Commit) (bool, error) {
	if c.Parent == "" {
		return true, nil // the baseline has no changes to tell
	}
	report, err := r.report(c.Hash)
	if err != nil {
		return false, err
	}
	selected := report.Select(w.Selection)
	if len(selected.Changes) == 0 {
		return true, nil
	}

	key := deliveryKey(c.Hash, w.Email)
	d := r.n.state.Deliveries[key]
	switch {
	case d == nil:
		d = &delivery{Status: statusPending}
		r.n.state.Deliveries[key] = d
	case d.Status == statusSent || d.Status == statusGaveUp:
		return true, nil
	case r.now.Before(d.NextTry):
		r.stats.Pending++
		r.stats.waitUntil(d.NextTry)
		return false, nil
	}
	return r.send(ctx, w, c, selected, d)
}

// send tries one delivery and records the outcome in the state file.
func (r *run) send(ctx context.Context, w Watcher, c archive.Commit, selected diff.Report, d *delivery) (bool, error) {
	msg, err := r.n.message(w, c, selected)
	if err == nil {
		err = SendOne(ctx, r.n.opt.SMTP, msg)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}

	if d.Attempts > 0 {
		r.stats.Retried++
	}
	d.Attempts++
	finished := r.record(w, c, d, err)
	if err := r.n.state.save(r.n.opt.StatePath); err != nil {
		return false, err
	}
	return finished, nil
}

// record updates d after a try that ended with err, logs it and counts it.
func (r *run) record(w Watcher, c archive.Commit, d *delivery, err error) bool {
	log := r.n.log.With("email", w.Email, "commit", c.Hash, "attempt", d.Attempts)
	if err == nil {
		d.Status, d.SentAt, d.NextTry, d.LastError = statusSent, r.now, time.Time{}, ""
		r.stats.Sent++
		log.Info("message sent")
		return true
	}

	r.stats.Failed++
	d.LastError = err.Error()
	if d.Attempts >= maxAttempts {
		d.Status, d.NextTry = statusGaveUp, time.Time{}
		log.Error("message abandoned after the last attempt", "error", err)
		return true
	}
	d.NextTry = r.now.Add(r.n.opt.Backoff(d.Attempts))
	r.stats.waitUntil(d.NextTry)
	log.Error("message not sent, will retry", "error", err, "next_try", d.NextTry)
	return false
}

// backoff returns the wait after the given number of failed attempts: the
// default of Options.Backoff.
func backoff(attempts int) time.Duration {
	wait := firstRetry
	for i := 1; i < attempts && wait < maxRetry; i++ {
		wait *= 2
	}
	return min(wait, maxRetry)
}

// report reads the change report of a commit once per run.
func (r *run) report(hash string) (diff.Report, error) {
	if rep, ok := r.reports[hash]; ok {
		return rep, nil
	}
	rep, err := feed.ReadReport(r.a, hash)
	if err != nil {
		return diff.Report{}, fmt.Errorf("deliver: %w", err)
	}
	r.reports[hash] = rep
	return rep, nil
}
