package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
)

// errPanicked is the error recorded for a run that panicked.
var errPanicked = errors.New("run panicked")

// outcome is the record of one run, for the summary line, the metrics and
// the state.
type outcome struct {
	trigger  string
	started  time.Time
	duration time.Duration
	res      *pipeline.Result
	err      error
	aborted  bool

	mailSent, mailFailed, mailRetried int
	pushErr                           error
}

// run crawls, commits and then publishes. The caller holds d.running. A
// panic is recorded as a failed run and then propagates to the caller,
// which recovers it (cron.Recover, or the POST /run goroutine).
func (d *daemon) run(ctx context.Context, trigger string) {
	o := &outcome{trigger: trigger, started: time.Now()}
	d.metrics.inFlight.Set(1)
	defer d.metrics.inFlight.Set(0)

	finished := false
	defer func() {
		if !finished {
			o.err = errPanicked
			d.finish(o)
		}
	}()

	o.res, o.err = pipeline.RunLocked(ctx, d.pipelineOptions())
	o.aborted = o.err != nil && ctx.Err() != nil
	if o.err == nil {
		d.publishFeeds(o.res)
	}
	if !o.aborted {
		d.deliver(ctx, o)
		o.pushErr = d.push(ctx)
	}
	d.finish(o)
	finished = true
}

func (d *daemon) pipelineOptions() pipeline.Options {
	c := crawler.Config{
		Source:    d.cfg.Source,
		BaseURL:   d.cfg.URL,
		Parallel:  d.cfg.Parallel,
		Delay:     d.cfg.Delay,
		DelaySet:  true,
		Timeout:   d.cfg.Timeout,
		UserAgent: d.cfg.UserAgent,
		Logger:    d.base,
	}
	if d.opt.Crawler != nil {
		d.opt.Crawler(&c)
	}
	return pipeline.Options{
		Crawler:  c,
		Archive:  d.archive,
		Location: d.cfg.Location,
		Logger:   d.base.With("component", "pipeline"),
	}
}

// finish records the outcome in the metrics and the state, sends the
// alerts it calls for, and logs the summary line.
func (d *daemon) finish(o *outcome) {
	o.duration = time.Since(o.started)
	d.metrics.record(o)
	d.log.Info("run summary", summary(o)...)
	if o.aborted {
		return
	}

	var alerts []*alert
	err := d.state.update(func(s *runState) {
		alerts = d.record(s, o)
	})
	if err != nil {
		d.log.Error("save daemon state", "error", err)
	}
	for _, a := range alerts {
		if a != nil {
			d.sendAlert(a)
		}
	}
}

// record writes the outcome of a finished run into the state and returns
// the operator alerts it calls for. It runs under the state lock.
func (d *daemon) record(s *runState, o *outcome) []*alert {
	s.LastRun = o.started
	if o.err != nil {
		s.Status, s.Error = statusFailed, o.err.Error()
		return []*alert{d.failureEvent(s, o)}
	}

	s.Error = ""
	recovery := d.recoveryEvent(s, o)
	if o.res.Awaiting != "" {
		s.Status = statusAwaiting
		return []*alert{recovery, d.dropEvent(s, o)}
	}
	s.Status = statusOK
	s.LastSuccess = o.started
	if o.res.Commit != nil {
		s.Commit = o.res.Commit.Hash
	}
	return []*alert{recovery}
}

// summary returns the attributes of the one line logged per run.
func summary(o *outcome) []any {
	attrs := []any{"trigger", o.trigger, "duration_ms", o.duration.Milliseconds()}
	switch {
	case o.aborted:
		attrs = append(attrs, "status", "aborted")
	case o.err != nil:
		attrs = append(attrs, "status", statusFailed)
	case o.res.Awaiting != "":
		attrs = append(attrs, "status", statusAwaiting, "drop", o.res.Awaiting)
	default:
		attrs = append(attrs, "status", statusOK)
	}
	if o.res != nil && o.res.Crawl != nil {
		attrs = append(attrs, "requests", o.res.Crawl.Requests, "retries", o.res.Crawl.Retries)
	}
	if o.res != nil && o.res.Commit != nil {
		attrs = append(attrs, "changed", o.res.Changed, "changes", len(o.res.Report.Changes),
			"commit", o.res.Commit.Hash)
	}
	attrs = append(attrs, "mail_sent", o.mailSent, "mail_failed", o.mailFailed)
	if o.pushErr != nil {
		attrs = append(attrs, "push_error", o.pushErr.Error())
	}
	if o.err != nil {
		attrs = append(attrs, slog.String("error", o.err.Error()))
	}
	return attrs
}

// Errors of tryRun.
var (
	errBusy     = errors.New("a run is already in flight")
	errStopping = errors.New("the daemon is stopping")
)

// tryRun starts a run in the background unless one is in flight or the
// daemon is stopping. A panic in that run is recovered and logged.
func (d *daemon) tryRun(ctx context.Context, trigger string) error {
	if !d.running.TryLock() {
		return errBusy
	}
	if !d.addRun() {
		d.running.Unlock()
		return errStopping
	}
	go func() {
		defer d.runs.Done()
		defer d.running.Unlock()
		defer func() {
			if r := recover(); r != nil {
				d.log.Error("run panicked; later runs still happen", "error", fmt.Sprint(r))
			}
		}()
		d.run(ctx, trigger)
	}()
	return nil
}

// addRun counts one more run for shutdown to wait for, unless shutdown
// has begun.
func (d *daemon) addRun() bool {
	d.stopMu.Lock()
	defer d.stopMu.Unlock()
	if d.stopping {
		return false
	}
	d.runs.Add(1)
	return true
}
