package pipeline

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// maxBodyLines bounds the list of changes in a commit message; the full list
// is in the commit's reports.
const maxBodyLines = 40

// tree is the content of a commit, its report against HEAD, and whether
// its data files differ from HEAD's.
type tree struct {
	tree        archive.Files
	report      diff.Report
	dataChanged bool
}

// Files builds the files of a commit: the snapshot's data files, the raw
// bodies, the manifest, and the report comparing it with prev (nil for a
// first snapshot).
func Files(prev *Previous, crawled *crawler.Result, s *snapshot.Snapshot, warnings []snapshot.Warning, part *partial) (*tree, error) {
	files, err := snapshot.Encode(s)
	if err != nil {
		return nil, err
	}
	// Three more files follow: the manifest and the two reports.
	out := make(archive.Files, len(files)+len(crawled.Raw)+len(part.raw)+3)
	for path, content := range files {
		out[path] = content
	}
	for path, content := range crawled.Raw {
		out[path] = content
	}
	for path, content := range part.raw {
		out[path] = content
	}

	m := manifestOf(crawled, s, warnings)
	m.Stale, m.LeftOut = part.stale, part.leftOut
	manifest, err := snapshot.EncodeManifest(m)
	if err != nil {
		return nil, err
	}
	out[snapshot.ManifestPath] = manifest

	t := &tree{tree: out, dataChanged: true}
	if prev != nil {
		stale := map[string]bool{}
		for _, k := range part.staleKeys() {
			stale[k] = true
		}
		// A stale address keeps its previous rules, so it has no change to
		// report; the filter makes sure no change is ever reported for it.
		t.report = diff.Compare(prev.Snapshot, s).Filter(func(c diff.Change) bool { return !stale[c.AdresseKey] })
		t.report.From = prev.Commit.Hash
		t.dataChanged = !sameData(prev.Data, out)
	}
	if err := addReports(out, t.report); err != nil {
		return nil, err
	}
	return t, nil
}

func manifestOf(c *crawler.Result, s *snapshot.Snapshot, warnings []snapshot.Warning) snapshot.Manifest {
	return snapshot.Manifest{
		Source:    c.Source,
		URL:       c.BaseURL,
		Version:   crawler.Version,
		Started:   c.Started,
		Finished:  c.Finished,
		Requests:  c.Requests,
		Retries:   c.Retries,
		Bytes:     c.Bytes,
		Addresses: len(s.Addresses),
		Rules:     len(s.Rules),
		Missing:   len(s.Missing()),
		Warnings:  warnings,
	}
}

// sameData reports whether every data/ file of next equals the one of prev.
func sameData(prev, next archive.Files) bool {
	count := 0
	for path, content := range next {
		if !strings.HasPrefix(path, "data/") {
			continue
		}
		count++
		if !bytes.Equal(prev[path], content) {
			return false
		}
	}
	return count == len(prev)
}

func addReports(out archive.Files, r diff.Report) error {
	var js, md bytes.Buffer
	if err := diff.WriteJSON(&js, r); err != nil {
		return fmt.Errorf("render %s: %w", ReportJSONPath, err)
	}
	if err := diff.WriteMarkdown(&md, r); err != nil {
		return fmt.Errorf("render %s: %w", ReportMarkdownPath, err)
	}
	out[ReportJSONPath] = js.Bytes()
	out[ReportMarkdownPath] = md.Bytes()
	return nil
}

// CommitMessage writes the message of a snapshot commit: a subject that
// summarises the semantic change, then the main changes and the crawl.
func CommitMessage(r diff.Report, prev *Previous, c *crawler.Result, s *snapshot.Snapshot, dataChanged bool,
	part *partial, confirmedDrop string) string {
	var b strings.Builder
	b.WriteString(subject(r, prev, s, dataChanged))
	b.WriteString("\n\n")
	if body := r.Body(maxBodyLines); body != "" {
		b.WriteString(body)
		b.WriteString("\n\n")
	}
	if confirmedDrop != "" {
		fmt.Fprintf(&b, "Sudden drop confirmed by two consecutive crawls: %s.\n", confirmedDrop)
	}
	if n := len(part.stale); n > 0 {
		fmt.Fprintf(&b, "Stale: %d addresses kept their previous rules because their request failed (see %s).\n",
			n, snapshot.ManifestPath)
	}
	if n := len(part.leftOut); n > 0 {
		fmt.Fprintf(&b, "Left out: %d new addresses could not be fetched (see %s).\n", n, snapshot.ManifestPath)
	}
	fmt.Fprintf(&b, "Source: %s %s\n", c.Source, c.BaseURL)
	fmt.Fprintf(&b, "Crawl: %d requests, %d retries, %d bytes, %s\n",
		c.Requests, c.Retries, c.Bytes, c.Finished.Sub(c.Started).Round(1e6))
	fmt.Fprintf(&b, "Snapshot: %s addresses, %s rules, %s missing collections\n",
		thousands(len(s.Addresses)), thousands(len(s.Rules)), thousands(len(s.Missing())))
	return b.String()
}

func subject(r diff.Report, prev *Previous, s *snapshot.Snapshot, dataChanged bool) string {
	switch summary := r.Summary(); {
	case prev == nil:
		return "first snapshot: " + thousands(len(s.Addresses)) + " addresses"
	case summary != "":
		return summary
	case dataChanged:
		return "published names changed, schedules unchanged"
	}
	return "raw capture changed, schedules unchanged"
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	digits := fmt.Sprint(n)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 && digits[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
