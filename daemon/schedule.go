package daemon

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/robfig/cron/v3"
)

// wrappers returns the job wrappers of the scheduled run, outermost first.
//
// The order matters with robfig/cron v3.0.1: SkipIfStillRunning takes its
// running slot, calls the job and puts the slot back only when the job
// returns, without a defer. With Recover outside it (Recover, Skip), a
// panic unwinds through Skip, the slot is never put back, and every later
// run is skipped. With Skip outside (Skip, Recover), Recover stops the
// panic inside, the job returns normally and Skip puts the slot back.
func wrappers(l cron.Logger) []cron.JobWrapper {
	return []cron.JobWrapper{cron.SkipIfStillRunning(l), cron.Recover(l)}
}

// Triggers of a run, as the run summary logs them.
const (
	triggerSchedule = "schedule"
	triggerStart    = "start"
	triggerHTTP     = "http"
)

// startCron schedules the runs in the configured zone. With run_at_start
// it also starts one run at once through the same wrappers, so that run
// counts against SkipIfStillRunning like any other.
func (d *daemon) startCron(ctx context.Context) *cron.Cron {
	d.runAtStart.Store(d.cfg.RunAtStart)
	l := cronLogger{d.log}
	c := cron.New(
		cron.WithLocation(d.cfg.Location),
		cron.WithLogger(l),
		cron.WithChain(wrappers(l)...),
	)
	id := c.Schedule(d.schedule, cron.FuncJob(func() { d.scheduled(ctx) }))
	c.Start()

	next := c.Entry(id).Next
	d.log.Info("next run scheduled", "next_run", next.In(d.cfg.Location).Format(time.RFC3339))
	if d.cfg.RunAtStart {
		job := c.Entry(id).WrappedJob
		d.addRun()
		go func() {
			defer d.runs.Done()
			job.Run()
		}()
	}
	return c
}

// scheduled is the job of every scheduled run: the jitter, then the run.
// The first job after start-up with run_at_start is the run at start,
// which has no jitter.
func (d *daemon) scheduled(ctx context.Context) {
	trigger := triggerSchedule
	if d.runAtStart.CompareAndSwap(true, false) {
		trigger = triggerStart
	} else if !sleep(ctx, jitter(d.cfg.Jitter)) {
		return
	}
	if !d.running.TryLock() {
		d.log.Warn("run skipped: a run started by POST /run is in flight", "trigger", trigger)
		return
	}
	defer d.running.Unlock()
	d.run(ctx, trigger)
}

// jitter returns a random duration in [0, max), or 0 when max is 0.
func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// sleep waits for d or the end of ctx, and reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// period returns the time between the next two runs after now, which
// /healthz uses as the schedule period.
func period(s cron.Schedule, now time.Time) time.Duration {
	next := s.Next(now)
	return s.Next(next).Sub(next)
}

// cronLogger passes the scheduler's logs to slog. Its routine messages
// (start, wake, run, schedule) go to Debug, a skipped run to Warn.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	if msg == "skip" {
		l.log.Warn("scheduled run skipped: the previous run is still running")
		return
	}
	l.log.Debug("cron "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	if msg == "panic" {
		msg = "run panicked; later runs still happen"
	}
	l.log.Error(msg, append(keysAndValues, "error", err)...)
}
