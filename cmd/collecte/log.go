package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

// logEntry is one snapshot in the output of log.
type logEntry struct {
	Commit  string         `json:"commit"`
	Date    time.Time      `json:"date"` // RFC 3339 with the zone offset
	Subject string         `json:"subject"`
	Counts  map[string]int `json:"counts"`
	Changes []diff.Change  `json:"changes,omitempty"`
}

func runLog(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "log", "--archive DIR [--adresse KEY] [--format text|json]",
		"List the snapshots, newest first, with their change counts. With --adresse,\n"+
			"list only the snapshots that changed that address, with the changes.")
	dir := fs.String("archive", "", "archive directory (required)")
	key := fs.String("adresse", "", "adresse_key of one address, as in data/adresses.csv; case, accents and spaces are ignored")
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

	typed := *key
	*key = normalizeKey(*key)
	entries, err := logEntries(e, a, *key)
	if err != nil {
		return err
	}
	return writeLog(e, entries, *key, typed, *format)
}

// writeLog writes the entries of log in format, text or json. typed is the
// key before normalizeKey.
func writeLog(e *env, entries []logEntry, key, typed, format string) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	writeLogText(e, entries, key, typed)
	return nil
}

// logEntries returns the entries of log from the history index, or from
// the report of every commit when the index is unavailable.
func logEntries(e *env, a *archive.Archive, key string) ([]logEntry, error) {
	var entries []logEntry
	err := history.New(a, e.log).View(func(r *history.Reader) error {
		var err error
		entries, err = indexedLog(r, key)
		return err
	})
	if errors.Is(err, history.ErrUnavailable) {
		e.log.Debug("history index unavailable; reading the report of every commit",
			"archive", a.Dir(), "error", err)
		return walkLog(a, key)
	}
	return entries, err
}

// indexedLog returns what walkLog returns, from the index.
func indexedLog(r *history.Reader, key string) ([]logEntry, error) {
	if r.MissingReports() > 0 {
		// The walk fails on such a commit, so it must give that error.
		return nil, fmt.Errorf("%w: %d commits have no report", history.ErrUnavailable, r.MissingReports())
	}
	if key == "" {
		return indexedCommits(r)
	}

	changed, err := r.Address(key)
	if err != nil {
		return nil, err
	}
	entries := make([]logEntry, 0, len(changed)+1)
	for _, ch := range changed {
		report := diff.Report{Changes: ch.Changes}.Filter(func(diff.Change) bool { return true })
		entries = append(entries, newLogEntry(ch.Commit.Commit, report.Counts, report.Changes))
	}
	first, err := r.Commit(0)
	if err != nil {
		return nil, err
	}
	changedFirst := len(changed) > 0 && changed[len(changed)-1].Commit.Seq == 0
	if !changedFirst && r.InFirstSnapshot(key) {
		none := diff.Report{}.Filter(func(diff.Change) bool { return false })
		entries = append(entries, newLogEntry(first.Commit, none.Counts, none.Changes))
	}
	return entries, nil
}

func indexedCommits(r *history.Reader) ([]logEntry, error) {
	commits, err := r.Commits()
	if err != nil {
		return nil, err
	}
	entries := make([]logEntry, 0, len(commits))
	for _, c := range commits {
		entries = append(entries, newLogEntry(c.Commit, c.Counts, nil))
	}
	return entries, nil
}

func newLogEntry(c archive.Commit, counts map[string]int, changes []diff.Change) logEntry {
	return logEntry{
		Commit:  c.Hash,
		Date:    c.When,
		Subject: c.Subject,
		Counts:  counts,
		Changes: changes,
	}
}

// walkLog reads the report of every commit, newest first. With a key, it
// keeps only the commits whose report changes that address, and the first
// snapshot when the address was in it.
func walkLog(a *archive.Archive, key string) ([]logEntry, error) {
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
		entry := newLogEntry(c, r.Counts, nil)
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

// writeLogText writes the entries, or for an address that no snapshot
// mentions, where its key can be found. typed is the key before
// normalizeKey.
func writeLogText(e *env, entries []logEntry, key, typed string) {
	if key != "" && len(entries) == 0 {
		read := ""
		if typed != key {
			read = fmt.Sprintf(" (read as %q)", key)
		}
		fmt.Fprintf(e.stdout, "no snapshot mentions address %q%s: %s\n", typed, read, keyHint)
		return
	}
	for _, entry := range entries {
		date := entry.Date.Format("2006-01-02 15:04:05 -07:00")
		fmt.Fprintf(e.stdout, "%s  %s  %s\n", short(entry.Commit), date, entry.Subject)
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

// keyHint names where the address keys are listed.
const keyHint = "address keys are in the adresse_key column of data/adresses.csv " +
	"(\"collecte export --format csv --output DIR\") and at the end of the " +
	"address links of the web view's search (\"collecte serve\")"

// normalizeKey turns key into the form in which address keys are built.
// Each part between "_", and the id after "~", is lower-cased and stripped
// of accents, and every run of characters other than letters and digits
// becomes one "-". So "Fort de France_BALATA_Absalon " is
// "fort-de-france_balata_absalon". A key that does not split into three
// parts is only trimmed and lower-cased.
func normalizeKey(key string) string {
	key = strings.TrimSpace(key)
	name, id, hasID := strings.Cut(key, "~")
	parts := strings.Split(name, "_")
	if len(parts) != 3 {
		return strings.ToLower(key)
	}
	for i, p := range parts {
		parts[i] = snapshot.Slug(p)
	}
	out := strings.Join(parts, "_")
	if hasID {
		out += "~" + snapshot.Slug(id)
	}
	return out
}
