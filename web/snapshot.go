package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

// maxReportChanges bounds the changes listed on a snapshot page. The whole
// report stays downloadable.
const maxReportChanges = 500

// revisionPattern accepts what archive.Resolve understands, so a hostile
// revision is rejected before any work: a hexadecimal hash, HEAD, HEAD~N or
// a YYYY-MM-DD date.
var revisionPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{4,40}|HEAD(?:~[0-9]{0,6})?|[0-9]{4}-[0-9]{2}-[0-9]{2})$`)

type snapshotPage struct {
	page
	Commit  archive.Commit
	First   bool
	Counts  map[string]int
	Total   int
	Shown   int
	Groups  []changeCommune
	Diffs   []fileDiff
	Current bool
}

func (s *server) snapshot(w http.ResponseWriter, r *http.Request) {
	c, ok := s.commitOrError(w, r)
	if !ok {
		return
	}
	rep, err := s.store.report(c.Hash)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	diffs, err := s.fileDiffs(c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.store.current()
	if err != nil {
		s.fail(w, r, err)
		return
	}

	s.render(w, r, http.StatusOK, "snapshot", snapshotPage{
		page:    s.newPage("Relevé du "+frenchDateTime(c.When), "chronologie"),
		Commit:  c,
		First:   c.Parent == "",
		Counts:  rep.Counts,
		Total:   len(rep.Changes),
		Shown:   min(len(rep.Changes), maxReportChanges),
		Groups:  groupChanges(rep.Changes, maxReportChanges, cur.index),
		Diffs:   diffs,
		Current: cur.commit.Hash == c.Hash,
	})
}

// commitOrError resolves the {rev} of the request to a commit of main, or
// answers with a 404 page for an unknown revision and returns false.
func (s *server) commitOrError(w http.ResponseWriter, r *http.Request) (archive.Commit, bool) {
	rev := r.PathValue("rev")
	if !revisionPattern.MatchString(rev) {
		s.snapshotNotFound(w, r)
		return archive.Commit{}, false
	}
	hash, err := s.store.a.Resolve(rev, s.loc)
	switch {
	case errors.Is(err, archive.ErrEmpty):
		s.fail(w, r, err)
		return archive.Commit{}, false
	case errors.Is(err, archive.ErrNotFound), errors.Is(err, archive.ErrAmbiguous):
		s.snapshotNotFound(w, r)
		return archive.Commit{}, false
	case err != nil:
		s.fail(w, r, fmt.Errorf("resolve revision %q: %w", rev, err))
		return archive.Commit{}, false
	}

	c, err := s.store.commit(hash)
	if err != nil {
		s.fail(w, r, err)
		return archive.Commit{}, false
	}
	return s.inZone(c), true
}

func (s *server) snapshotNotFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Relevé introuvable",
		"Aucun relevé de l'archive ne correspond à cette révision. La chronologie liste tous les relevés.")
}

// downloads maps the file names offered under /instantane/{rev}/ to their
// path in the commit.
var downloads = map[string]string{
	"adresses.csv":             snapshot.AddressesPath,
	"collectes.csv":            snapshot.RulesPath,
	"collectes-manquantes.csv": snapshot.MissingPath,
	"datapackage.json":         snapshot.PackagePath,
	"crawl.json":               snapshot.ManifestPath,
	"changes.json":             pipeline.ReportJSONPath,
	"changes.md":               pipeline.ReportMarkdownPath,
}

// download serves one file of a snapshot, or the unified diff of one CSV
// file against the parent snapshot.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	_, isFile := downloads[name]
	_, isDiff := diffFiles[name]
	if !isFile && !isDiff {
		s.notFound(w, r)
		return
	}
	c, ok := s.commitOrError(w, r)
	if !ok {
		return
	}

	var data []byte
	var err error
	if isDiff {
		data, err = s.unifiedFile(c, diffFiles[name])
	} else {
		data, err = s.store.a.ReadFile(c.Hash, downloads[name])
	}
	if errors.Is(err, archive.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", downloadType(name))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s"`, shortHash(c.Hash), name))
	w.Write(data)
}

func downloadType(name string) string {
	switch {
	case strings.HasSuffix(name, ".csv"):
		return "text/csv; charset=utf-8"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case strings.HasSuffix(name, ".md"):
		return "text/markdown; charset=utf-8"
	}
	return "text/x-diff; charset=utf-8"
}
