package daemon

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
)

// TestWrappersRecoverPanic runs a job that panics, then the same job
// again, through the daemon's wrappers and through the reverse order.
func TestWrappersRecoverPanic(t *testing.T) {
	l := cronLogger{slog.New(slog.DiscardHandler)}
	tests := []struct {
		name       string
		wrappers   []cron.JobWrapper
		wantSecond bool
	}{
		{"daemon order", wrappers(l), true},
		// With robfig/cron v3.0.1 this order loses SkipIfStillRunning's
		// slot in the panic. If this case fails, a newer cron fixed it.
		{"recover outermost leaks the slot", []cron.JobWrapper{cron.Recover(l), cron.SkipIfStillRunning(l)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			job := cron.NewChain(tt.wrappers...).Then(cron.FuncJob(func() {
				if calls.Add(1) == 1 {
					panic("first run fails")
				}
			}))

			job.Run()
			job.Run()

			if got := calls.Load() == 2; got != tt.wantSecond {
				t.Errorf("second run happened = %v, want %v", got, tt.wantSecond)
			}
		})
	}
}

// TestDaemonSurvivesPanic makes the first scheduled run panic and checks
// that a later scheduled run still commits.
func TestDaemonSurvivesPanic(t *testing.T) {
	s := startSite(t)
	dir := filepath.Join(t.TempDir(), "archive")
	cfg := writeConfig(t, "source: cacem-legacy\nurl: "+s.url+"\narchive: "+dir+
		"\nschedule: '@every 1s'\nlisten: 127.0.0.1:0\nparallel: 8\ndelay: 0s\n")

	var calls atomic.Int32
	d := startDaemonWith(t, cfg, Options{Crawler: func(c *crawler.Config) {
		if calls.Add(1) == 1 {
			panic("test panic in a run")
		}
		fastCrawl(c)
	}})

	waitFor(t, "a commit after the panic", func() bool { return d.runs(t) >= 2 && commitCount(t, dir) == 1 })
	_, body := d.get(t, "/metrics")
	if got := metric(t, body, "collecte_run_failures_total"); got != 1 {
		t.Errorf("failed runs = %v, want 1 (the panic)", got)
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		spec string
		want time.Duration
	}{
		{"0 6 * * *", 24 * time.Hour},
		{"@every 6h", 6 * time.Hour},
		{"*/15 * * * *", 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := cron.ParseStandard(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := period(s, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)); got != tt.want {
				t.Errorf("period = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInvalidStartUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	cfg := writeConfig(t, "archive: "+dir+"\n")
	cfg.Schedule = "every day"
	if _, _, err := start(cfg, Options{}); err == nil || !strings.Contains(err.Error(), `invalid schedule "every day"`) {
		t.Errorf("start with a bad schedule: %v, want an error naming it", err)
	}

	cfg.Schedule = "@every 1h"
	d := newTestDaemon(t, cfg, nil)
	_, _, err := start(cfg, Options{})
	var locked *archive.LockedError
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), "is held by process") {
		t.Errorf("second daemon on %s: %v, want the lock error", d.archive.Dir(), err)
	}
}

// TestRunAtStartTrigger checks that the run that run_at_start starts is
// logged with trigger "start".
func TestRunAtStartTrigger(t *testing.T) {
	s := startSite(t)
	cfg := writeConfig(t, "source: cacem-legacy\nurl: "+s.url+"\narchive: "+filepath.Join(t.TempDir(), "a")+
		"\nschedule: '@every 1h'\nrun_at_start: true\nlisten: 127.0.0.1:0\nparallel: 8\ndelay: 0s\n")
	var logs logStore
	d := startDaemonWith(t, cfg, Options{Logger: logs.logger(t), Crawler: fastCrawl})

	waitFor(t, "the run at start", func() bool { return d.runs(t) >= 1 })
	summaries := logs.find("run summary")
	if len(summaries) != 1 {
		t.Fatalf("run summaries = %d, want 1", len(summaries))
	}
	if got := summaries[0].Attrs["trigger"]; got != triggerStart {
		t.Errorf("trigger = %q, want %q", got, triggerStart)
	}
}
