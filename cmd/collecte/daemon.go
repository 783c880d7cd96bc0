package main

import (
	"context"
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

	go abortOnSecondSignal(ctx, e)
	return daemon.Run(ctx, cfg, daemon.Options{Logger: logger})
}

// abortOnSecondSignal restores the default action of SIGINT and SIGTERM
// once the first one has canceled ctx, so a second signal ends the process
// at once. Every archive ref moves by an atomic rename after its objects
// are on disk, so an abrupt end leaves the archive consistent.
func abortOnSecondSignal(ctx context.Context, e *env) {
	<-ctx.Done()
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	e.log.Info("stopping; send the signal again to end at once")
}
