package web

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// maxDiffLines bounds the lines of each view of a CSV diff on the page, and
// maxDiffLineBytes the length of one shown line. The full unified diff
// stays downloadable.
const (
	maxDiffLines     = 400
	maxDiffLineBytes = 2000
)

// diffFiles maps the downloadable diff names to the CSV file they compare,
// in the order of the page.
var diffFiles = map[string]string{
	"collectes.diff": snapshot.RulesPath,
	"adresses.diff":  snapshot.AddressesPath,
}

var diffOrder = []string{"collectes.diff", "adresses.diff"}

// fileDiff is the raw diff of one CSV file against the parent snapshot.
type fileDiff struct {
	Path      string
	Download  string
	Added     int
	Removed   int
	Unified   []diffLine
	Rows      []sideRow
	Truncated bool
	// Limit is the number of lines each view shows at most.
	Limit int
}

// diffLine is one line of the unified view: Class is "add", "del", "hunk",
// "file" or "ctx".
type diffLine struct {
	Class string
	Text  string
}

// sideRow is one row of the side-by-side view. Gap marks skipped unchanged
// lines.
type sideRow struct {
	Gap       bool
	OldNumber int
	OldText   string
	OldClass  string
	NewNumber int
	NewText   string
	NewClass  string
}

func (s *server) fileDiffs(c archive.Commit) ([]fileDiff, error) {
	out := make([]fileDiff, 0, len(diffOrder))
	for _, name := range diffOrder {
		path := diffFiles[name]
		lines, err := s.lineDiff(c, path)
		if err != nil {
			return nil, err
		}
		out = append(out, buildFileDiff(name, path, lines))
	}
	return out, nil
}

// lineDiff compares a file of the commit with the same file of its parent,
// or with an empty file for the first commit.
func (s *server) lineDiff(c archive.Commit, path string) ([]diff.Line, error) {
	newer, err := s.readOrEmpty(c.Hash, path)
	if err != nil {
		return nil, err
	}
	older := ""
	if c.Parent != "" {
		older, err = s.readOrEmpty(c.Parent, path)
		if err != nil {
			return nil, err
		}
	}
	return diff.Lines(older, newer), nil
}

func (s *server) readOrEmpty(hash, path string) (string, error) {
	data, err := s.store.a.ReadFile(hash, path)
	if errors.Is(err, archive.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s of commit %s: %w", path, hash, err)
	}
	return string(data), nil
}

// unifiedFile returns the whole unified diff of one file, for download.
func (s *server) unifiedFile(c archive.Commit, path string) ([]byte, error) {
	lines, err := s.lineDiff(c, path)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := diff.WriteUnified(&b, "a/"+path, "b/"+path, lines, diffContext); err != nil {
		return nil, fmt.Errorf("write diff of %s: %w", path, err)
	}
	return b.Bytes(), nil
}

func buildFileDiff(name, path string, lines []diff.Line) fileDiff {
	fd := fileDiff{Path: path, Download: name, Limit: maxDiffLines}
	for _, l := range lines {
		switch l.Op {
		case diff.Insert:
			fd.Added++
		case diff.Delete:
			fd.Removed++
		}
	}
	var b strings.Builder
	diff.WriteUnified(&b, "a/"+path, "b/"+path, lines, diffContext)
	fd.Unified, fd.Truncated = unifiedLines(b.String())

	rows, cut := sideRows(diff.SideBySide(lines))
	fd.Rows = rows
	fd.Truncated = fd.Truncated || cut
	return fd
}

// unifiedLines splits unified diff text into classed lines, at most
// maxDiffLines of them, and reports whether it cut any.
func unifiedLines(text string) ([]diffLine, bool) {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil, false
	}
	all := strings.Split(text, "\n")
	truncated := len(all) > maxDiffLines
	if truncated {
		all = all[:maxDiffLines]
	}
	out := make([]diffLine, 0, len(all))
	for _, line := range all {
		out = append(out, diffLine{Class: lineClass(line), Text: shorten(line)})
	}
	return out, truncated
}

func lineClass(line string) string {
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return "file"
	case strings.HasPrefix(line, "@@"):
		return "hunk"
	case strings.HasPrefix(line, "+"):
		return "add"
	case strings.HasPrefix(line, "-"):
		return "del"
	}
	return "ctx"
}

// sideRows keeps the rows within diffContext of a change, marks each run of
// skipped rows with a gap row, and stops after maxDiffLines rows.
func sideRows(rows []diff.Row) ([]sideRow, bool) {
	keep := make([]bool, len(rows))
	for i, r := range rows {
		if changed(r) {
			for j := max(0, i-diffContext); j <= min(len(rows)-1, i+diffContext); j++ {
				keep[j] = true
			}
		}
	}

	var out []sideRow
	skipped := false
	for i, r := range rows {
		if !keep[i] {
			skipped = true
			continue
		}
		if skipped {
			out = append(out, sideRow{Gap: true})
			skipped = false
		}
		if len(out) >= maxDiffLines {
			return out, true
		}
		out = append(out, newSideRow(r))
	}
	if skipped && len(out) > 0 {
		out = append(out, sideRow{Gap: true})
	}
	return out, false
}

func changed(r diff.Row) bool {
	return r.Left == nil || r.Right == nil || r.Left.Op != diff.Equal
}

func newSideRow(r diff.Row) sideRow {
	var row sideRow
	if r.Left != nil {
		row.OldNumber, row.OldText, row.OldClass = r.Left.OldNumber, shorten(trimEOL(r.Left.Text)), opClass(r.Left.Op)
	}
	if r.Right != nil {
		row.NewNumber, row.NewText, row.NewClass = r.Right.NewNumber, shorten(trimEOL(r.Right.Text)), opClass(r.Right.Op)
	}
	return row
}

func opClass(op diff.LineOp) string {
	switch op {
	case diff.Insert:
		return "add"
	case diff.Delete:
		return "del"
	}
	return "ctx"
}

func trimEOL(s string) string {
	return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
}

// shorten cuts a line longer than maxDiffLineBytes at a rune boundary and
// marks the cut, so that one 100 KB name cannot swell the page, and turns
// control characters into spaces.
func shorten(s string) string {
	s = clean(s)
	if len(s) <= maxDiffLineBytes {
		return s
	}
	cut := maxDiffLineBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " […]"
}
