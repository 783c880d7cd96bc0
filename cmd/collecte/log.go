package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
)

// logEntry is one snapshot in the output of log.
type logEntry struct {
	Commit  string         `json:"commit"`
	Date    string         `json:"date"`
	Subject string         `json:"subject"`
	Counts  map[string]int `json:"counts"`
	Changes []diff.Change  `json:"changes,omitempty"`
}

func runLog(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "log", "--archive DIR [--adresse KEY] [--format text|json]",
		"List the snapshots, newest first, with their change counts. With --adresse,\n"+
			"list only the snapshots that changed that address, with the changes.")
	dir := fs.String("archive", "", "archive directory (required)")
	key := fs.String("adresse", "", "adresse_key of one address, as in data/adresses.csv")
	format := fs.String("format", "text", "output format: text or json")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return &usageError{fmt.Sprintf("invalid --format %q: want text or json", *format)}
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}

	entries, err := history(a, *key)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	writeLogText(e, entries, *key)
	return nil
}

// history reads the report of every commit, newest first. With a key, it
// keeps only the commits whose report changes that address, and the first
// snapshot when the address was in it.
func history(a *archive.Archive, key string) ([]logEntry, error) {
	commits, err := a.Log()
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", a.Dir(), err)
	}

	entries := []logEntry{}
	for _, c := range commits {
		r, err := readReport(a, c.Hash)
		if err != nil {
			return nil, err
		}
		entry := logEntry{
			Commit:  c.Hash,
			Date:    c.When.Format("2006-01-02 15:04:05 -07:00"),
			Subject: c.Subject,
			Counts:  r.Counts,
		}
		if key != "" {
			keep, err := keepForAddress(a, c, &r, key)
			if err != nil {
				return nil, err
			}
			if !keep {
				continue
			}
			entry.Changes = r.Changes
			entry.Counts = r.Counts
		}
		entries = append(entries, entry)
	}
	return entries, nil
}

// keepForAddress narrows r to the changes of key and says whether the
// commit belongs to the address's history.
func keepForAddress(a *archive.Archive, c archive.Commit, r *diff.Report, key string) (bool, error) {
	*r = r.Filter(func(ch diff.Change) bool { return ch.AdresseKey == key })
	if len(r.Changes) > 0 {
		return true, nil
	}
	if c.Parent != "" {
		return false, nil
	}
	s, _, err := pipeline.ReadSnapshot(a, c.Hash)
	if err != nil {
		return false, err
	}
	_, ok := s.Address(key)
	return ok, nil
}

func readReport(a *archive.Archive, hash string) (diff.Report, error) {
	data, err := a.ReadFile(hash, pipeline.ReportJSONPath)
	if errors.Is(err, archive.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return diff.Report{}, fmt.Errorf("commit %s has no %s: is %s a collecte archive?",
			hash, pipeline.ReportJSONPath, a.Dir())
	}
	if err != nil {
		return diff.Report{}, err
	}
	r, err := diff.ReadJSON(data)
	if err != nil {
		return diff.Report{}, fmt.Errorf("read %s of commit %s: %w", pipeline.ReportJSONPath, hash, err)
	}
	return r, nil
}

func writeLogText(e *env, entries []logEntry, key string) {
	if key != "" && len(entries) == 0 {
		fmt.Fprintf(e.stdout, "no snapshot mentions address %q\n", key)
		return
	}
	for _, entry := range entries {
		fmt.Fprintf(e.stdout, "%s  %s  %s\n", short(entry.Commit), entry.Date, entry.Subject)
		if key == "" {
			continue
		}
		if len(entry.Changes) == 0 {
			fmt.Fprintln(e.stdout, "    present in the first snapshot")
			continue
		}
		var b strings.Builder
		diff.WriteText(&b, diff.Report{Changes: entry.Changes, Counts: entry.Counts})
		for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			fmt.Fprintln(e.stdout, "    "+line)
		}
	}
}
