package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	loc := martinique()
	switch len(args) {
	case 0:
		to, err = a.Resolve("HEAD", loc)
		if err != nil {
			return "", "", fmt.Errorf("diff: %w", err)
		}
		from, err = a.Resolve("HEAD~1", loc)
		if err != nil {
			return "", "", fmt.Errorf("diff: the archive holds a single snapshot, nothing to compare: %w", err)
		}
		return from, to, nil
	case 1:
		args = append(args, "HEAD")
	}
	if from, err = a.Resolve(args[0], loc); err != nil {
		return "", "", fmt.Errorf("diff: %w", err)
	}
	if to, err = a.Resolve(args[1], loc); err != nil {
		return "", "", fmt.Errorf("diff: %w", err)
	}
	return from, to, nil
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

func writeReport(e *env, r diff.Report, format string) error {
	switch format {
	case "markdown":
		return diff.WriteMarkdown(e.stdout, r)
	case "json":
		return diff.WriteJSON(e.stdout, r)
	case "text":
		return diff.WriteText(e.stdout, r)
	}
	return &usageError{fmt.Sprintf("invalid --format %q: want markdown, json or text", format)}
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
	hash, err := a.Resolve(rev, martinique())
	if err != nil {
		return nil, err
	}
	s, _, err := pipeline.ReadSnapshot(a, hash)
	return s, err
}

// openExisting opens an archive that must already hold a snapshot, so a
// mistyped directory is reported instead of created.
func openExisting(dir string) (*archive.Archive, error) {
	if dir == "" {
		return nil, &usageError{"--archive DIR is required"}
	}
	if strings.TrimSpace(dir) != dir {
		return nil, &usageError{fmt.Sprintf("--archive %q has surrounding spaces", dir)}
	}
	if !isDir(dir) {
		return nil, fmt.Errorf("archive %s does not exist: run \"collecte crawl --archive %s\" first", dir, dir)
	}
	return archive.Open(dir)
}
