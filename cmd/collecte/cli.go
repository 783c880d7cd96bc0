package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/crawler"
)

// Exit codes of every command.
const (
	exitOK          = 0
	exitError       = 1
	exitCrawlFailed = 2
	exitLocked      = 3
	exitAwaiting    = 4
	exitUsage       = 64
	// exitConfig is EX_CONFIG of sysexits.h.
	exitConfig = 78
)

const exitStatusHelp = `
Exit status:
  0   success
  1   error: archive, file or network failure, invalid revision
  2   crawl failed: a list request, the first crawl or too many addresses still
      failed after their retries, or robots.txt was unavailable so the run was
      skipped; nothing was committed
  3   the archive is locked by another collecte process
  4   crawl: the site lost much of HEAD at once; nothing was committed, and
      the next crawl commits the drop only if it loses exactly the same
      addresses and streams
  64  invalid command line
  78  daemon, config: invalid configuration, such as an unknown key, an
      invalid value or, for the daemon, a secret file it cannot read
`

// command is one subcommand: its name, a one-line summary, and the function
// that parses its flags and runs it.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets: its output streams and logger.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

var commands []command

func init() {
	commands = []command{
		{"crawl", "crawl the site once and commit the snapshot when it changed", runCrawl},
		{"diff", "show what changed between two snapshots", runDiff},
		{"missing", "list the addresses that lack a collected stream", runMissing},
		{"log", "list the snapshots, or the history of one address", runLog},
		{"replay", "serve recorded captures as the site's API on loopback", runReplay},
		{"demo", "replay the real 2021 and 2024 captures and show what changed", runDemo},
		{"verify", "check the archive's objects, snapshots and reports", runVerify},
		{"daemon", "crawl on a schedule, publish feeds, e-mail watchers, serve health and metrics", runDaemon},
		{"config", "print the effective daemon configuration, secrets redacted", runConfig},
		{"serve", "serve the read-only web view of the archive (loopback by default)", runServe},
		{"export", "export a snapshot as CSV, spreadsheet CSV, JSON or an address calendar", runExport},
		{"version", "print the version of collecte and of the Go toolchain that built it", runVersion},
	}
}

// usageError is a command-line mistake: exit code 64 and the usage text.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("collecte", flag.ContinueOnError)
	global.SetOutput(stderr)
	level := global.String("log-level", "info", "log level: debug, info, warn or error")
	format := global.String("log-format", "text", "log format: text or json")
	version := global.Bool("version", false, "print the version of collecte and exit")
	global.Usage = func() {}
	err := global.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		mainUsage(stdout, global)
		return exitOK
	case err != nil:
		mainUsage(stderr, global)
		return exitUsage
	case *version:
		writeVersion(stdout)
		return exitOK
	}

	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintln(stderr, "collecte:", err)
		return exitUsage
	}
	e := &env{stdout: stdout, stderr: stderr, log: logger}
	return runCommand(ctx, e, global, global.Args())
}

// runCommand runs the command that rest names, with its arguments.
func runCommand(ctx context.Context, e *env, global *flag.FlagSet, rest []string) int {
	switch {
	case len(rest) == 0:
		fmt.Fprintln(e.stderr, "collecte: missing command")
		mainUsage(e.stderr, global)
		return exitUsage
	case rest[0] == "help" && len(rest) == 1:
		mainUsage(e.stdout, global)
		return exitOK
	case rest[0] == "help":
		// "collecte help COMMAND" is "collecte COMMAND --help".
		rest = []string{rest[1], "--help"}
	}

	for _, c := range commands {
		if c.name == rest[0] {
			return exitCode(e.stderr, c.run(ctx, e, rest[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "collecte: unknown command %q; run \"collecte help\" for the list\n", rest[0])
	return exitUsage
}

func mainUsage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprintf(w, "collecte %s: a verifiable history of the CACEM waste collection schedules\n\n", programVersion())
	fmt.Fprintln(w, "Usage: collecte [global flags] COMMAND [flags] [arguments]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n", "help", "print this help, or with a command name the flags of that command")
	fmt.Fprintln(w, "\nRun \"collecte COMMAND --help\" for the flags of a command. Flags may come")
	fmt.Fprintln(w, "before or after the arguments; everything after \"--\" is an argument.")
	fmt.Fprintln(w, "\nGlobal flags, before the command:")
	global.SetOutput(w)
	global.PrintDefaults()
	fmt.Fprint(w, exitStatusHelp)
}

// exitCode prints err and maps it to the documented exit status.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}

	var usage *usageError
	var locked *archive.LockedError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "collecte:", err)
		return exitUsage
	case errors.Is(err, errFlagParse):
		return exitUsage
	case errors.Is(err, config.ErrInvalid):
		fmt.Fprintln(stderr, "collecte:", err)
		return exitConfig
	case errors.Is(err, errAwaiting):
		return exitAwaiting
	case errors.As(err, &locked):
		fmt.Fprintln(stderr, "collecte:", err)
		return exitLocked
	case errors.Is(err, crawler.ErrCrawlFailed):
		fmt.Fprintln(stderr, "collecte:", err)
		return exitCrawlFailed
	}
	fmt.Fprintln(stderr, "collecte:", err)
	return exitError
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: want text or json", format)
}

// martinique is the zone of the territory, used for commit times and for
// dates given as revisions.
func martinique() *time.Location {
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		panic("embedded time zone database lacks America/Martinique: " + err.Error())
	}
	return loc
}
