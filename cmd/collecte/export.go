package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"slices"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/calendar"
	"github.com/collecte-cacem/collecte/export"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

const exportAbout = `Export the snapshot at REV (default HEAD) as files for reuse. REV is a commit
hash, HEAD, HEAD~N, or a date YYYY-MM-DD meaning the snapshot in force at the
end of that day in America/Martinique time.

Formats:
  csv        data/collectes.csv of the snapshot, as archived (UTF-8, ",", LF).
             With --output DIR: every file of the dataset, data/*.csv and
             datapackage.json, written under DIR.
  csv-excel  data/collectes.csv for spreadsheets: UTF-8 with a byte order mark,
             ";" separator, CRLF, and cells starting with = + - @ tab CR or LF
             (after any spaces) prefixed with an apostrophe, so that a
             spreadsheet reads them as text, not as formulas.
             With --output DIR: the three data/*.csv files in that form.
  json       one JSON document: schema_version, commit, date, flux (code, nom),
             adresses (adresse_key, adresse_id, commune, quartier, voie,
             collectes [{flux, jours [{jour, semaine}]}], collectes_manquantes).
  ics        the iCalendar file (RFC 5545) of the address --adresse: one
             all-day event per collection date, from --from to --to (default:
             today in America/Martinique, for twelve months).`

// exportFlags holds the flags of the export command, and the ics flags
// parsed by check.
type exportFlags struct {
	dir, format, output            string
	key, flux, from, to, publicURL string

	fromDate, toDate time.Time
	calendarURL      string
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export",
		"--archive DIR [--format csv|csv-excel] [--output DIR] [REV]\n"+
			"       collecte export --archive DIR --format json [REV]\n"+
			"       collecte export --archive DIR --format ics --adresse KEY [--flux CODE] [--from DATE] [--to DATE] [--url URL] [REV]",
		exportAbout)
	f := defineExportFlags(fs)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	a, err := openExisting(f.dir)
	if err != nil {
		return err
	}

	hash, err := resolve(a, revArg(fs.Args()))
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	s, data, err := pipeline.ReadSnapshot(a, hash)
	if err != nil {
		return err
	}
	e.log.Debug("export", "format", f.format, "commit", hash, "output", f.output)

	switch f.format {
	case "ics":
		return exportICS(e, s, hash, f)
	case "json":
		return exportJSON(e, a, s, hash)
	}
	return exportCSV(e, a, hash, data, f)
}

func defineExportFlags(fs *flag.FlagSet) *exportFlags {
	f := &exportFlags{}
	fs.StringVar(&f.dir, "archive", "", "archive directory (required)")
	fs.StringVar(&f.format, "format", "csv", "output format: csv, csv-excel, json or ics")
	fs.StringVar(&f.output, "output", "", "csv and csv-excel: write every file of the dataset under this directory instead of data/collectes.csv to stdout")
	fs.StringVar(&f.key, "adresse", "", "ics: adresse_key of the address, as in data/adresses.csv; case, accents and spaces are ignored (required)")
	fs.StringVar(&f.flux, "flux", "", "ics: only this stream code, in any case (OM, RS, ENC, DV, DEEE or a code of the snapshot); default every stream")
	fs.StringVar(&f.from, "from", "", "ics: first date YYYY-MM-DD (default today in America/Martinique)")
	fs.StringVar(&f.to, "to", "", "ics: last date YYYY-MM-DD (default twelve months after --from, minus one day)")
	fs.StringVar(&f.publicURL, "url", "", "ics: absolute http(s) URL written in the calendar and its events, such as the address page")
	return f
}

// check rejects flags that do not fit the format.
func (f *exportFlags) check() error {
	if !slices.Contains([]string{"csv", "csv-excel", "json", "ics"}, f.format) {
		return &usageError{fmt.Sprintf("invalid --format %q: want csv, csv-excel, json or ics", f.format)}
	}
	icsOnly := f.key != "" || f.flux != "" || f.from != "" || f.to != "" || f.publicURL != ""
	if f.format != "ics" && icsOnly {
		return &usageError{"--adresse, --flux, --from, --to and --url apply only to --format ics"}
	}
	if f.format == "ics" && f.key == "" {
		return &usageError{"--format ics needs --adresse KEY: " + keyHint}
	}
	if f.output != "" && f.format != "csv" && f.format != "csv-excel" {
		return &usageError{"--output applies only to --format csv and csv-excel"}
	}
	if f.format == "ics" {
		return f.checkICS()
	}
	return nil
}

// checkICS parses the dates and the URL of --format ics.
func (f *exportFlags) checkICS() error {
	var err error
	if f.fromDate, err = parseDate("--from", f.from); err != nil {
		return err
	}
	if f.toDate, err = parseDate("--to", f.to); err != nil {
		return err
	}
	if !f.fromDate.IsZero() && !f.toDate.IsZero() && f.toDate.Before(f.fromDate) {
		return &usageError{fmt.Sprintf("invalid --to %s: it is before --from %s", f.to, f.from)}
	}
	if f.calendarURL, err = calendar.ParseURL(f.publicURL); err != nil {
		return &usageError{fmt.Sprintf("invalid --url %q: want an absolute http or https URL, such as "+
			"https://collecte.example.org/adresse/KEY", f.publicURL)}
	}
	f.key = normalizeKey(f.key)
	return nil
}

func exportICS(e *env, s *snapshot.Snapshot, hash string, f *exportFlags) error {
	addr, ok := s.Address(f.key)
	if !ok {
		return fmt.Errorf("export: address key %q not found in snapshot %s: %s", f.key, short(hash), keyHint)
	}
	opt := calendar.ICSOptions{From: f.fromDate, To: f.toDate, PublicURL: f.calendarURL}
	if f.flux != "" {
		code, err := calendar.ParseStream(f.flux, s.Streams())
		if err != nil {
			return &usageError{"export: --flux: " + err.Error()}
		}
		opt.Flux = code
	}

	err := calendar.WriteICS(e.stdout, addr, s.Schedules()[addr.Key], opt)
	if errors.Is(err, calendar.ErrRange) {
		return &usageError{fmt.Sprintf("export: invalid --from or --to: %v", err)}
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// parseDate parses a YYYY-MM-DD flag in America/Martinique. An empty value
// gives the zero time, which selects the default.
func parseDate(name, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, value, martinique())
	if err != nil {
		return time.Time{}, &usageError{fmt.Sprintf("invalid %s %q: want a date YYYY-MM-DD", name, value)}
	}
	return t, nil
}

func exportJSON(e *env, a *archive.Archive, s *snapshot.Snapshot, hash string) error {
	meta := export.Meta{Commit: hash}
	commits, err := a.Log()
	if err != nil {
		return fmt.Errorf("export: read log: %w", err)
	}
	for _, c := range commits {
		if c.Hash == hash {
			meta.Date = c.When
		}
	}
	return export.WriteJSON(e.stdout, s, meta)
}

func exportCSV(e *env, a *archive.Archive, hash string, data archive.Files, f *exportFlags) error {
	if f.output == "" {
		body, ok := data[snapshot.RulesPath]
		if !ok {
			return fmt.Errorf("export: snapshot %s has no %s", short(hash), snapshot.RulesPath)
		}
		if f.format == "csv-excel" {
			var err error
			if body, err = export.ExcelCSV(body); err != nil {
				return fmt.Errorf("export %s: %w", snapshot.RulesPath, err)
			}
		}
		_, err := e.stdout.Write(body)
		return err
	}

	files, err := datasetFiles(a, hash, data, f.format)
	if err != nil {
		return err
	}
	return writeTree(f.output, files)
}

// datasetFiles returns the files that --output writes: the archived CSV
// files and datapackage.json for csv, or the CSV files converted for
// csv-excel, whose dialect datapackage.json does not describe.
func datasetFiles(a *archive.Archive, hash string, data archive.Files, format string) (archive.Files, error) {
	out := archive.Files{}
	for p, body := range data {
		if path.Ext(p) != ".csv" {
			continue
		}
		if format == "csv-excel" {
			converted, err := export.ExcelCSV(body)
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", p, err)
			}
			body = converted
		}
		out[p] = body
	}
	if format == "csv" {
		pkg, err := a.ReadFile(hash, snapshot.PackagePath)
		if err != nil {
			return nil, fmt.Errorf("export: read %s of snapshot %s: %w", snapshot.PackagePath, short(hash), err)
		}
		out[snapshot.PackagePath] = pkg
	}
	return out, nil
}

// writeTree writes files under dir through an os.Root, so no archived path
// can escape dir.
func writeTree(dir string, files archive.Files) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: create output directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("export: open output directory: %w", err)
	}
	defer root.Close()

	for p, body := range files {
		if err := root.MkdirAll(path.Dir(p), 0o755); err != nil {
			return fmt.Errorf("export: create %s in %s: %w", path.Dir(p), dir, err)
		}
		if err := root.WriteFile(p, body, 0o644); err != nil {
			return fmt.Errorf("export: write %s in %s: %w", p, dir, err)
		}
	}
	return nil
}
