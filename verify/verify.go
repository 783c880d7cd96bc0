// Package verify checks an archive end to end: that the git repository is
// consistent, that every snapshot in its history decodes and re-encodes to
// the same bytes, and that each commit's change report is the one its
// parent and itself give.
package verify

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Result is the outcome of Archive: the commits checked and the faults found.
type Result struct {
	Commits  int
	Problems []string

	// Indexed is the number of commits in the history index that Archive
	// wrote, and IndexErr why it wrote none. Neither is a problem of the
	// archive, because the index is derived data.
	Indexed  int
	IndexErr error
}

// OK reports whether no problem was found.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Archive verifies every commit of main, oldest first. It returns an error
// only when the archive cannot be read at all; faults are Problems. From
// the reports it reads, it also writes a new history index and puts it in
// place of the old one (see history.Builder), unless a commit cannot be
// read, in which case the old index stays.
func Archive(a *archive.Archive) (*Result, error) {
	res := &Result{}
	problems, err := a.Check()
	if err != nil {
		return nil, err
	}
	res.Problems = append(res.Problems, problems...)

	commits, err := a.Log()
	if err != nil {
		return nil, err
	}
	index := newIndexBuilder(a, len(commits))
	var prev *snapshot.Snapshot
	for i := len(commits) - 1; i >= 0; i-- {
		c := commits[i]
		res.Commits++
		files, s, err := checkCommit(a, c, prev)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("commit %s: %v", c.Hash, err))
		}
		index.add(c, files, s)
		prev = s
	}
	res.Indexed, res.IndexErr = index.finish()
	return res, nil
}

// checkCommit checks one commit and returns its files and its snapshot.
// The files are nil when they cannot be read, and lack those that the
// commit lacks. The snapshot is nil when a file is missing or when it does
// not decode, and the next commit's report is then not checked.
func checkCommit(a *archive.Archive, c archive.Commit, prev *snapshot.Snapshot) (archive.Files, *snapshot.Snapshot, error) {
	files, err := readTracked(a, c.Hash)
	if err != nil {
		return files, nil, err
	}
	s, err := checkSnapshot(c, files, prev)
	return files, s, err
}

// checkSnapshot checks the files of one commit and returns its snapshot.
func checkSnapshot(c archive.Commit, files archive.Files, prev *snapshot.Snapshot) (*snapshot.Snapshot, error) {
	s, err := snapshot.Decode(files)
	if err != nil {
		return nil, err
	}
	if err := checkEncoding(s, files); err != nil {
		return s, err
	}
	manifest, err := snapshot.DecodeManifest(files[snapshot.ManifestPath])
	if err != nil {
		return s, err
	}
	if manifest.Addresses != len(s.Addresses) || manifest.Rules != len(s.Rules) {
		return s, fmt.Errorf("%s counts %d addresses and %d rules, the data %d and %d",
			snapshot.ManifestPath, manifest.Addresses, manifest.Rules, len(s.Addresses), len(s.Rules))
	}
	if c.Parent != "" && prev == nil {
		return s, nil
	}
	return s, checkReport(c, prev, s, manifest, files)
}

func readTracked(a *archive.Archive, hash string) (archive.Files, error) {
	files := archive.Files{}
	for _, prefix := range []string{"data/", "reports/", snapshot.ManifestPath, snapshot.PackagePath} {
		part, err := a.Read(hash, prefix)
		if err != nil {
			return nil, err
		}
		for k, v := range part {
			files[k] = v
		}
	}
	for _, path := range []string{snapshot.ManifestPath, pipeline.ReportJSONPath, pipeline.ReportMarkdownPath} {
		if _, ok := files[path]; !ok {
			return files, fmt.Errorf("%s is missing", path)
		}
	}
	return files, nil
}

// checkEncoding checks that the data files are exactly what the snapshot
// encodes to: same rows, same order, same quoting, and a missing-collections
// file that matches the rules.
func checkEncoding(s *snapshot.Snapshot, files archive.Files) error {
	encoded, err := snapshot.Encode(s)
	if err != nil {
		return err
	}
	for _, path := range []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath} {
		if !bytes.Equal(encoded[path], files[path]) {
			return fmt.Errorf("%s differs from the encoding of its snapshot", path)
		}
	}
	return nil
}

// checkReport recomputes the commit's change report from its parent.
func checkReport(c archive.Commit, prev, s *snapshot.Snapshot, m snapshot.Manifest, files archive.Files) error {
	want := diff.Report{}
	if prev != nil {
		stale := map[string]bool{}
		for _, st := range m.Stale {
			stale[st.Key] = true
		}
		want = diff.Compare(prev, s).Filter(func(ch diff.Change) bool { return !stale[ch.AdresseKey] })
		want.From = c.Parent
	}

	var js, md bytes.Buffer
	if err := diff.WriteJSON(&js, want); err != nil {
		return err
	}
	if err := diff.WriteMarkdown(&md, want); err != nil {
		return err
	}
	var errs []error
	if !bytes.Equal(js.Bytes(), files[pipeline.ReportJSONPath]) {
		errs = append(errs, fmt.Errorf("%s differs from the recomputed diff", pipeline.ReportJSONPath))
	}
	if !bytes.Equal(md.Bytes(), files[pipeline.ReportMarkdownPath]) {
		errs = append(errs, fmt.Errorf("%s differs from the recomputed diff", pipeline.ReportMarkdownPath))
	}
	return errors.Join(errs...)
}
