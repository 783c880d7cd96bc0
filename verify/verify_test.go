package verify

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/history/historytest"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

// twoSnapshots builds an archive of the real 2021 capture and of a copy
// where one address moved a collection day.
func twoSnapshots(t *testing.T) *archive.Archive {
	t.Helper()
	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}
	sw := replay.NewSwitch(l.Handler())
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := pipeline.Run(ctx, pipeline.Options{Archive: a, Crawler: crawler.Config{
			Source: crawler.SourceLegacy, BaseURL: srv.URL, Parallel: 8, DelaySet: true}})
		if err != nil {
			t.Fatal(err)
		}
	}
	run()
	changed := l.Clone()
	changed.Collectes[3][0].Days = []string{"Lundi"}
	sw.Set(changed.Handler())
	run()
	return a
}

func TestVerifySoundArchive(t *testing.T) {
	res, err := Archive(twoSnapshots(t))
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Commits != 2 {
		t.Errorf("verify: %d commits, problems %q; want 2 and none", res.Commits, res.Problems)
	}
}

// TestVerifyFindsForgedReport rewrites the last commit with a report that
// does not match its data, as a careless edit of the archive would.
func TestVerifyFindsForgedReport(t *testing.T) {
	a := twoSnapshots(t)
	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	files, err := a.Read(head.Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	files[pipeline.ReportJSONPath] = bytes.Replace(files[pipeline.ReportJSONPath], []byte("Lundi"), []byte("Mardi"), 1)
	files["data/collectes.csv"] = append(files["data/collectes.csv"], []byte("")...)
	if _, _, err := a.Commit(files, archive.CommitOptions{Message: "forged"}); err != nil {
		t.Fatal(err)
	}

	res, err := Archive(a)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatal("verify accepted a report that does not match its data")
	}
	if !strings.Contains(strings.Join(res.Problems, "\n"), pipeline.ReportJSONPath) {
		t.Errorf("problems %q do not name %s", res.Problems, pipeline.ReportJSONPath)
	}
}

func TestVerifyFindsReorderedCSV(t *testing.T) {
	a := twoSnapshots(t)
	head, _ := a.Head()
	files, err := a.Read(head.Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(files["data/adresses.csv"]), "\n")
	lines[1], lines[2] = lines[2], lines[1]
	files["data/adresses.csv"] = []byte(strings.Join(lines, ""))
	if _, _, err := a.Commit(files, archive.CommitOptions{Message: "reordered"}); err != nil {
		t.Fatal(err)
	}

	res, err := Archive(a)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || !strings.Contains(strings.Join(res.Problems, "\n"), "data/adresses.csv") {
		t.Errorf("problems = %q, want one about data/adresses.csv", res.Problems)
	}
	if out, err := exec.Command("git", "-C", a.Dir(), "fsck", "--full").CombinedOutput(); err != nil {
		t.Errorf("git fsck: %v\n%s", err, out)
	}
}

func TestVerifyRebuildsIndex(t *testing.T) {
	g := historytest.Build(t, 6, historytest.Options{Seed: 61, WithoutReport: []int{3}, WithoutManifest: []int{0}})
	ix := history.New(g.Archive, nil)
	if err := os.WriteFile(ix.Path(), []byte("stale index"), 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := Archive(g.Archive)
	if err != nil {
		t.Fatal(err)
	}
	if res.IndexErr != nil || res.Indexed != 6 {
		t.Fatalf("index rebuilt with %d commits, error %v; want 6", res.Indexed, res.IndexErr)
	}
	err = ix.View(func(r *history.Reader) error {
		if r.Len() != 6 || r.MissingReports() != 1 || r.Head() != g.Hashes[5] {
			t.Errorf("rebuilt index: %d commits, %d without report, head %s; want 6, 1, %s",
				r.Len(), r.MissingReports(), r.Head(), g.Hashes[5])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(g.Archive.Dir(), "."+history.FileName+"*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
