package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "diff", "--archive DIR [--format F] [FROM [TO]]",
		"Show the semantic changes between two snapshots. With no revision, compare the\n"+
			"last two snapshots; with one, compare it with HEAD. A revision is a commit\n"+
			"hash (full or abbreviated), HEAD, HEAD~N, or a date YYYY-MM-DD meaning the\n"+
			"snapshot in force at the end of that day in America/Martinique time.")
	dir := fs.String("archive", "", "archive directory (required)")
	format := fs.String("format", "markdown", "output format: markdown, json or text")
	if err := parse(fs, args, 2); err != nil {
		return err
	}
	if err := checkReportFormat(*format); err != nil {
		return err
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}

	from, to, err := diffRange(a, fs.Args())
	if err != nil {
		return err
	}
	r, err := Compare(a, from, to)
	if err != nil {
		return err
	}
	return writeReport(e, r, *format)
}

// diffRange resolves the FROM and TO arguments of diff.
func diffRange(a *archive.Archive, args []string) (from, to string, err error) {
	switch len(args) {
	case 0:
		to, err = resolve(a, "HEAD")
		if err != nil {
			return "", "", fmt.Errorf("diff: %w", err)
		}
		from, err = resolve(a, "HEAD~1")
		if err != nil {
			return "", "", fmt.Errorf("diff: the archive holds a single snapshot, nothing to compare: %w", err)
		}
		return from, to, nil
	case 1:
		args = append(args, "HEAD")
	}
	if from, err = resolve(a, args[0]); err != nil {
		return "", "", fmt.Errorf("diff: %w", err)
	}
	if to, err = resolve(a, args[1]); err != nil {
		return "", "", fmt.Errorf("diff: %w", err)
	}
	return from, to, nil
}

// tooShortHash matches a revision of 1 to 3 hex digits, which
// archive.Resolve does not take as an abbreviated hash.
var tooShortHash = regexp.MustCompile(`^[0-9a-fA-F]{1,3}$`)

// resolve resolves a revision argument to a full commit hash, dates in
// America/Martinique.
func resolve(a *archive.Archive, rev string) (string, error) {
	if tooShortHash.MatchString(rev) {
		return "", fmt.Errorf("invalid revision %q: an abbreviated commit hash needs at least 4 hex digits", rev)
	}
	return a.Resolve(rev, martinique())
}

// Compare reads two archived snapshots and compares them.
func Compare(a *archive.Archive, from, to string) (diff.Report, error) {
	before, _, err := pipeline.ReadSnapshot(a, from)
	if err != nil {
		return diff.Report{}, err
	}
	after, _, err := pipeline.ReadSnapshot(a, to)
	if err != nil {
		return diff.Report{}, err
	}
	r := diff.Compare(before, after)
	r.From, r.To = from, to
	return r, nil
}

// reportFormats are the values of the --format flag of diff and demo.
var reportFormats = []string{"markdown", "json", "text"}

func checkReportFormat(format string) error {
	if !slices.Contains(reportFormats, format) {
		return &usageError{fmt.Sprintf("invalid --format %q: want markdown, json or text", format)}
	}
	return nil
}

func writeReport(e *env, r diff.Report, format string) error {
	switch format {
	case "markdown":
		return diff.WriteMarkdown(e.stdout, r)
	case "json":
		return diff.WriteJSON(e.stdout, r)
	case "text":
		return diff.WriteText(e.stdout, r)
	}
	return checkReportFormat(format)
}

func runMissing(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "missing", "--archive DIR [--format csv|json] [REV]",
		"List the addresses that have no collection day for a stream that the network\n"+
			"collects somewhere, in the snapshot at REV (default HEAD).")
	dir := fs.String("archive", "", "archive directory (required)")
	format := fs.String("format", "csv", "output format: csv or json")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return &usageError{fmt.Sprintf("invalid --format %q: want csv or json", *format)}
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}
	s, err := snapshotAt(a, revArg(fs.Args()))
	if err != nil {
		return err
	}

	index := map[string]snapshot.Address{}
	for _, addr := range s.Addresses {
		index[addr.Key] = addr
	}
	if *format == "csv" {
		out, err := snapshot.EncodeMissing(s.Missing(), index)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(out)
		return err
	}
	return writeMissingJSON(e, s.Missing(), index)
}

type missingJSON struct {
	AdresseKey string `json:"adresse_key"`
	AdresseID  string `json:"adresse_id"`
	Commune    string `json:"commune"`
	Quartier   string `json:"quartier"`
	Voie       string `json:"voie"`
	Flux       string `json:"flux"`
}

func writeMissingJSON(e *env, missing []snapshot.Missing, index map[string]snapshot.Address) error {
	out := make([]missingJSON, 0, len(missing))
	for _, m := range missing {
		a := index[m.Key]
		out = append(out, missingJSON{a.Key, a.ID, a.Commune, a.Quartier, a.Voie, m.Flux})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func revArg(args []string) string {
	if len(args) == 0 {
		return "HEAD"
	}
	return args[0]
}

func snapshotAt(a *archive.Archive, rev string) (*snapshot.Snapshot, error) {
	hash, err := resolve(a, rev)
	if err != nil {
		return nil, err
	}
	s, _, err := pipeline.ReadSnapshot(a, hash)
	return s, err
}

// openExisting opens an archive that must already exist. archive.Open
// turns a missing or empty directory into a new repository, so a read-only
// command checks first that dir is a git repository, and reports a
// mistyped path instead of creating an archive there.
func openExisting(dir string) (*archive.Archive, error) {
	if dir == "" {
		return nil, &usageError{"--archive DIR is required"}
	}
	if strings.TrimSpace(dir) != dir {
		return nil, &usageError{fmt.Sprintf("--archive %q has surrounding spaces", dir)}
	}
	if err := checkRepository(dir); err != nil {
		return nil, err
	}
	return archive.Open(dir)
}

// checkRepository checks that dir is a directory with the HEAD file and
// objects directory of a git repository.
func checkRepository(dir string) error {
	const next = "pass the directory of an archive, as given to \"collecte crawl --archive\""
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("archive %s does not exist: run \"collecte crawl --archive %s\" first", dir, dir)
	case err != nil:
		return fmt.Errorf("open archive %s: %w", dir, err)
	case !info.IsDir():
		return fmt.Errorf("archive %s is a file, not a directory: %s", dir, next)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("open archive %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return fmt.Errorf("archive %s is an empty directory: %s, or run \"collecte crawl --archive %s\" first", dir, next, dir)
	}
	head, headErr := os.Stat(filepath.Join(dir, "HEAD"))
	objects, objectsErr := os.Stat(filepath.Join(dir, "objects"))
	if headErr != nil || objectsErr != nil || head.IsDir() || !objects.IsDir() {
		return fmt.Errorf("archive %s is not a git repository: %s", dir, next)
	}
	return nil
}
