package history

import (
	"errors"
	"fmt"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// commitData is the part of one commit that the index keeps.
type commitData struct {
	commit archive.Commit

	// report is nil for a commit without diff.ReportJSONPath.
	report   *diff.Report
	manifest Manifest

	// baseline lists the addresses of the first commit's snapshot. It is
	// nil for every other commit.
	baseline []snapshot.Address
}

// readCommit reads from the archive what the index takes from commit c.
func readCommit(a *archive.Archive, c archive.Commit) (commitData, error) {
	files := archive.Files{}
	for _, path := range []string{diff.ReportJSONPath, snapshot.ManifestPath} {
		data, err := a.ReadFile(c.Hash, path)
		if errors.Is(err, archive.ErrNotFound) {
			continue
		}
		if err != nil {
			return commitData{}, fmt.Errorf("index commit %s: %w", c.Hash, err)
		}
		files[path] = data
	}

	var first *snapshot.Snapshot
	if c.Parent == "" {
		s, err := readSnapshot(a, c.Hash)
		if err != nil {
			return commitData{}, fmt.Errorf("index first commit %s: %w", c.Hash, err)
		}
		first = s
	}
	return fromFiles(c, files, first)
}

func readSnapshot(a *archive.Archive, hash string) (*snapshot.Snapshot, error) {
	data, err := a.Read(hash, "data/")
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", hash, err)
	}
	s, err := snapshot.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode snapshot %s: %w", hash, err)
	}
	return s, nil
}

// fromFiles takes what the index keeps of commit c from its files, which
// hold the report and crawl.json when the commit has them. first is the
// decoded snapshot of the first commit, and is ignored for any other.
func fromFiles(c archive.Commit, files archive.Files, first *snapshot.Snapshot) (commitData, error) {
	cd := commitData{commit: c}
	if data, ok := files[diff.ReportJSONPath]; ok {
		r, err := diff.ReadJSON(data)
		if err != nil {
			return commitData{}, fmt.Errorf("index commit %s: decode %s: %w", c.Hash, diff.ReportJSONPath, err)
		}
		cd.report = &r
	}

	if data, ok := files[snapshot.ManifestPath]; ok {
		cd.manifest.Present = true
		m, err := snapshot.DecodeManifest(data)
		if err == nil {
			cd.manifest = Manifest{Present: true, Valid: true, Addresses: m.Addresses, Rules: m.Rules, Missing: m.Missing}
		}
	}

	if c.Parent == "" {
		if first == nil {
			return commitData{}, fmt.Errorf("index first commit %s: its snapshot is missing", c.Hash)
		}
		cd.baseline = first.Addresses
	}
	return cd, nil
}
