// Command collecte keeps a public, verifiable history of the CACEM waste
// collection schedules: it crawls the site, archives each changed snapshot
// in git and reports what changed. Run "collecte help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// The commit times and schedules use America/Martinique: embed the zone
	// database so a host without zoneinfo never falls back to UTC.
	_ "time/tzdata"

	"github.com/collecte-cacem/collecte/crawler"
)

func main() {
	// The User-Agent and crawl.json then name the version that
	// "collecte version" prints.
	crawler.Version = programVersion()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
