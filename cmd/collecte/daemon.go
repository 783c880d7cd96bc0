package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/daemon"
)

func runDaemon(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "daemon", "[--config FILE] [flags]",
		"Run unattended: crawl on the schedule, commit each changed snapshot, write\n"+
			"the feeds to the archive's feeds branch, e-mail the watchers, push the\n"+
			"archive, and serve /healthz, /metrics, POST /run, the feeds and the web view.\n"+
			"The daemon holds the archive lock while it runs, so a manual crawl of the\n"+
			"same archive exits with status 3. SIGINT or SIGTERM stops it after the run\n"+
			"in flight aborts cleanly; a second signal ends it at once.\n"+
			config.Precedence)
	var cf configFlags
	cf.register(fs)
	withKeys(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}

	cfg, err := cf.load()
	if err != nil {
		return err
	}
	logger, err := newLogger(e.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}

	daemonCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go abortOnSecondSignal(ctx, daemonCtx, cancel, logger)
	return daemon.Run(daemonCtx, cfg, daemon.Options{Logger: logger})
}

// abortOnSecondSignal waits for the first SIGINT or SIGTERM, which cancels
// ctx. It restores the default action of both signals, so that a second
// one ends the process at once, logs that, and then calls cancel to stop
// the daemon, so the daemon's own stop lines come after its line. Every
// archive ref moves by an atomic rename after its objects are on disk, so
// an abrupt end leaves the archive consistent. It returns at once when
// daemonCtx ends first, as when the daemon fails.
func abortOnSecondSignal(ctx, daemonCtx context.Context, cancel context.CancelFunc, log *slog.Logger) {
	select {
	case <-ctx.Done():
	case <-daemonCtx.Done():
		return
	}
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	log.Info("stopping; send the signal again to end at once")
	cancel()
}
