package pipeline

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
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
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// site serves h on loopback behind a switch, so a test can change the data
// between two crawls.
func site(t *testing.T, h http.Handler) (*replay.Switch, string) {
	t.Helper()
	sw := replay.NewSwitch(h)
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	return sw, srv.URL
}

func runOnce(t *testing.T, a *archive.Archive, source, url string) (*Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return Run(ctx, Options{
		Crawler: crawler.Config{
			Source: source, BaseURL: url, Parallel: 8, DelaySet: true,
			Backoff: func(int) time.Duration { return time.Millisecond },
		},
		Archive: a,
	})
}

func mustRun(t *testing.T, a *archive.Archive, source, url string) *Result {
	t.Helper()
	res, err := runOnce(t, a, source, url)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func openArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func legacy2021(t *testing.T) *replay.Legacy {
	t.Helper()
	l, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// mutate applies the four changes of the end-to-end test to the 2021 site:
// a day moved, a stream dropped, an address removed and an address added.
func mutate(t *testing.T, l *replay.Legacy) {
	t.Helper()
	absalon := l.Collectes[3]
	var kept []replay.LegacyCollecte
	for _, c := range absalon {
		switch c.Title {
		case "Ordures ménagères (bac gris)":
			c.Days = []string{"Mercredi", "Vendredi"}
		case "Emballages (bac jaune)":
			continue
		}
		kept = append(kept, c)
	}
	l.Collectes[3] = kept

	// Address 467 is one of the two "Rue Louis Blanc" of quartier 63: the
	// other one, 497, must keep its key.
	var adresses []replay.LegacyAdresse
	for _, a := range l.Adresses {
		if a.ID != 467 {
			adresses = append(adresses, a)
		}
	}
	delete(l.Collectes, 467)
	adresses = append(adresses, replay.LegacyAdresse{ID: 9999, Name: "Rue Nouvelle", QuartierID: 1})
	l.Adresses = adresses
	l.Collectes[9999] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
}

func TestLegacyEndToEnd(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)

	first := mustRun(t, a, crawler.SourceLegacy, url)
	if !first.Changed || !first.First {
		t.Fatalf("first run: changed=%v first=%v, want both", first.Changed, first.First)
	}
	if got, want := first.Commit.Subject, "first snapshot: 2,141 addresses"; got != want {
		t.Errorf("first subject = %q, want %q", got, want)
	}
	checkTree(t, a.Dir())
	golden(t, "legacy-2021-missing.csv", gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.MissingPath))

	again := mustRun(t, a, crawler.SourceLegacy, url)
	if again.Changed || again.Commit.Hash != first.Commit.Hash {
		t.Errorf("identical crawl: changed=%v head=%s, want no commit on %s",
			again.Changed, again.Commit.Hash, first.Commit.Hash)
	}

	changed := original.Clone()
	mutate(t, changed)
	sw.Set(changed.Handler())
	second := mustRun(t, a, crawler.SourceLegacy, url)

	if !second.Changed {
		t.Fatal("second run made no commit")
	}
	want := "1 schedule change, 1 newly missing collection, 1 address added, 1 address removed"
	if second.Commit.Subject != want {
		t.Errorf("subject = %q, want %q", second.Commit.Subject, want)
	}
	if second.Report.From != first.Commit.Hash {
		t.Errorf("report from = %s, want %s", second.Report.From, first.Commit.Hash)
	}
	goldenReport(t, "legacy-2021-changes", second.Report)

	tree := gitOutput(t, a.Dir(), "ls-tree", "-r", "--name-only", "HEAD")
	if strings.Contains(tree, "raw/get/collectes/467.json") {
		t.Error("the removed address's raw capture is still in the tree")
	}
	if !strings.Contains(tree, "raw/get/collectes/9999.json") {
		t.Error("the added address's raw capture is missing from the tree")
	}
	if got := gitOutput(t, a.Dir(), "rev-list", "--count", "HEAD"); strings.TrimSpace(got) != "2" {
		t.Errorf("commits = %s, want 2", got)
	}
	checkTree(t, a.Dir())
}

// checkTree checks the repository with git itself and the layout of HEAD.
func checkTree(t *testing.T, dir string) {
	t.Helper()
	gitOutput(t, dir, "fsck", "--full", "--strict")
	tree := gitOutput(t, dir, "ls-tree", "-r", "--name-only", "HEAD")
	for _, path := range []string{
		snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath, snapshot.PackagePath,
		snapshot.ManifestPath, ReportJSONPath, ReportMarkdownPath, "raw/get/communes.json",
	} {
		if !strings.Contains(tree, path+"\n") {
			t.Errorf("HEAD lacks %s", path)
		}
	}
}

func TestV1EndToEnd(t *testing.T) {
	v1, err := replay.V1FromJSON(captures.V1Passages2024())
	if err != nil {
		t.Fatal(err)
	}
	v1.MaxLimit = 1000
	_, url := site(t, v1.Handler())
	a := openArchive(t)

	res := mustRun(t, a, crawler.SourceV1, url)

	if got, want := len(res.Crawl.Records), 12045; got != want {
		t.Errorf("records = %d, want %d", got, want)
	}
	if got, want := res.Crawl.Requests, 13; got != want {
		t.Errorf("requests = %d, want %d (12 full pages of 1,000 and one of 45)", got, want)
	}
	manifest, err := snapshot.DecodeManifest([]byte(gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.ManifestPath)))
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(manifest.Warnings, "total") {
		t.Errorf("manifest warnings = %v, want one about the wrong total", manifest.Warnings)
	}
	if got := len(res.Snapshot.Addresses); got != manifest.Addresses {
		t.Errorf("manifest addresses = %d, want %d", manifest.Addresses, got)
	}
	for _, a := range res.Snapshot.Addresses {
		if a.Commune == "SCHOELCHER" {
			t.Errorf("address %s kept the less frequent spelling SCHOELCHER", a.Key)
			break
		}
	}
	tree := gitOutput(t, a.Dir(), "ls-tree", "-r", "--name-only", "HEAD")
	if got := strings.Count(tree, "raw/api/v1/dechets/passages/"); got != 13 {
		t.Errorf("raw pages in the tree = %d, want 13", got)
	}
	golden(t, "v1-2024-changes.md", reportMarkdown(t, res.Report))
}

func hasWarning(warnings []snapshot.Warning, word string) bool {
	for _, w := range warnings {
		if strings.Contains(w.Code, word) {
			return true
		}
	}
	return false
}

// TestFailedCrawlCommitsNothing checks that one address failing after its
// retries fails the run, names the URL, and leaves HEAD where it was.
func TestFailedCrawlCommitsNothing(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)
	first := mustRun(t, a, crawler.SourceLegacy, url)

	changed := original.Clone()
	mutate(t, changed)
	good := changed.Handler()
	sw.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/get/collectes/3" {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		good.ServeHTTP(w, r)
	}))

	_, err := runOnce(t, a, crawler.SourceLegacy, url)
	if !errors.Is(err, crawler.ErrCrawlFailed) {
		t.Fatalf("err = %v, want ErrCrawlFailed", err)
	}
	if !strings.Contains(err.Error(), url+"/get/collectes/3") {
		t.Errorf("error %q does not name the failed URL", err)
	}
	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Hash != first.Commit.Hash {
		t.Errorf("HEAD moved to %s after a failed crawl, want %s", head.Hash, first.Commit.Hash)
	}
}

func reportMarkdown(t *testing.T, r diff.Report) string {
	t.Helper()
	r.From, r.To = "", ""
	var b bytes.Buffer
	if err := diff.WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// goldenReport compares the JSON and Markdown renderings of r, with its
// revisions blanked because commit hashes depend on the crawl time.
func goldenReport(t *testing.T, name string, r diff.Report) {
	t.Helper()
	r.From, r.To = "", ""
	var js bytes.Buffer
	if err := diff.WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	golden(t, name+".json", js.String())
	golden(t, name+".md", reportMarkdown(t, r))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pipeline -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n%s", path, got)
	}
}
