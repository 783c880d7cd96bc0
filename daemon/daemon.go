// Package daemon runs collecte unattended. It crawls on a cron schedule,
// commits each changed snapshot and publishes the feeds on the archive's
// feeds branch. It e-mails the watchers, pushes the archive to a git
// remote and alerts the operator after repeated failures. Over HTTP it
// serves the health, the metrics, the feeds and the web view.
//
// The daemon holds the archive lock for its whole life, so that a manual
// crawl fails with a clear error instead of writing between two runs, and
// each run calls pipeline.RunLocked, which does not take the lock again.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/notify"
)

// Files kept in the archive directory beside the git data. Git ignores
// unknown files there, so clones and pushes never carry them.
const (
	StateFile       = "collecte-daemon.json"
	NotifyStateFile = "collecte-notify.json"
)

// FeedsBranch is the branch of the archive that holds the feeds of main.
const FeedsBranch = "feeds"

// ShutdownTimeout bounds the wait for the HTTP requests in flight after
// the first signal.
const ShutdownTimeout = 10 * time.Second

// Options are the hooks of Run that are not configuration.
type Options struct {
	// Logger receives every log line. Nil means slog.Default().
	Logger *slog.Logger

	// Ready is called with the address of the HTTP server once it
	// listens, such as "127.0.0.1:8080". Tests listen on port 0 and read
	// the port here.
	Ready func(addr string)

	// Crawler adjusts the crawler configuration of each run, such as the
	// retry backoff in tests. Nil changes nothing.
	Crawler func(c *crawler.Config)

	// SMTP adjusts the mail server settings, such as the trusted TLS roots.
	// Nil changes nothing.
	SMTP func(s *notify.SMTP)

	// Notify adjusts the options of the watchers' e-mails after SMTP, such
	// as the retry backoff in tests. Nil changes nothing.
	Notify func(o *notify.Options)
}

// daemon is the state shared by the scheduler, the runs and the HTTP
// handlers.
type daemon struct {
	cfg      *config.Config
	opt      Options
	base     *slog.Logger // the logger of Options, for the other packages
	log      *slog.Logger
	archive  *archive.Archive
	schedule cron.Schedule
	metrics  *metrics
	notifier *notify.Notifier
	state    *stateStore
	retry    *retryTimer

	// root is the root context, which the runs started by POST /run use.
	root context.Context

	// runAtStart is true from start-up with run_at_start until a job of
	// the scheduler takes it, so that run is logged with trigger "start".
	runAtStart atomic.Bool

	// running is held by the run in flight, so that a scheduled run and a
	// POST /run never overlap.
	running sync.Mutex
	// runs counts the runs started outside the scheduler (POST /run and
	// the run at start-up), which shutdown waits for.
	runs sync.WaitGroup
	// stopping is set under stopMu when shutdown begins, after which no
	// run is added to runs.
	stopMu   sync.Mutex
	stopping bool
}

// Run starts the daemon and blocks until ctx ends, then stops taking work,
// lets the run in flight abort through ctx, and shuts the HTTP server
// down. It fails at start-up when the archive is locked by another process
// (an *archive.LockedError), the schedule or the mail settings are invalid
// (an error matching config.ErrInvalid), or the HTTP address cannot be
// bound.
func Run(ctx context.Context, cfg *config.Config, opt Options) error {
	d, unlock, err := start(cfg, opt)
	if err != nil {
		return err
	}
	defer unlock()
	d.root = ctx

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w: free the port or change listen", cfg.Listen, err)
	}
	srv := d.server()
	serveErr := make(chan error, 1)
	go func() { serveErr <- serve(srv, ln) }()
	d.log.Info("daemon started", "listen", ln.Addr().String(), "schedule", cfg.Schedule,
		"timezone", cfg.Timezone, "archive", d.archive.Dir(), "source", cfg.Source)
	if opt.Ready != nil {
		opt.Ready(ln.Addr().String())
	}

	d.checkWatchers()
	d.deliverPending(ctx)
	go d.retryLoop(ctx)
	c := d.startCron(ctx)

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("HTTP server on %s: %w", cfg.Listen, err)
	}
	d.stop(c, srv)
	return err
}

// start opens and locks the archive and builds the daemon.
func start(cfg *config.Config, opt Options) (*daemon, func(), error) {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	schedule, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		return nil, nil, config.Invalid(fmt.Errorf("invalid schedule %q: %w", cfg.Schedule, err))
	}

	a, err := archive.Open(cfg.Archive)
	if err != nil {
		return nil, nil, err
	}
	unlockArchive, err := a.Lock()
	if err != nil {
		return nil, nil, err
	}
	unlock := func() {
		if err := unlockArchive(); err != nil {
			log.Error("release archive lock", "error", err)
		}
	}

	d := &daemon{cfg: cfg, opt: opt, base: log, log: log.With("component", "daemon"), archive: a,
		schedule: schedule, metrics: newMetrics(a.Dir()), retry: newRetryTimer()}
	if err := d.open(); err != nil {
		unlock()
		return nil, nil, err
	}
	return d, unlock, nil
}

// open loads the state file and builds the notifier.
func (d *daemon) open() error {
	state, err := openState(filepath.Join(d.archive.Dir(), StateFile))
	if err != nil {
		return err
	}
	d.state = state
	d.metrics.restore(state.get())

	n, err := d.newNotifier()
	if err != nil {
		return err
	}
	d.notifier = n
	return nil
}

// stop shuts down in order: no new scheduled run, the run in flight and
// the e-mail retries end (their context is already canceled), then the
// HTTP server.
func (d *daemon) stop(c *cron.Cron, srv interface {
	Shutdown(context.Context) error
}) {
	d.log.Info("daemon stopping: waiting for the run in flight")
	d.stopMu.Lock()
	d.stopping = true
	d.stopMu.Unlock()
	<-c.Stop().Done()
	d.runs.Wait()
	<-d.retry.done

	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		d.log.Warn("HTTP shutdown timed out", "error", err, "timeout", ShutdownTimeout.String())
	}
	d.log.Info("daemon stopped")
}
