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
	"reflect"
	"strconv"
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
	checkBuiltFromRecords(t, first, nil)
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
	checkBuiltFromRecords(t, second, first.Snapshot)
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

// checkBuiltFromRecords checks that the snapshot that a run gathered while it
// crawled is the one that snapshot.Build makes from the crawl's records.
func checkBuiltFromRecords(t *testing.T, res *Result, prev *snapshot.Snapshot) {
	t.Helper()
	want, _ := snapshot.Build(res.Crawl.Records, prev)
	if !reflect.DeepEqual(res.Snapshot, want) {
		t.Errorf("run snapshot: %d addresses and %d rules, differs from snapshot.Build of its %d records (%d and %d)",
			len(res.Snapshot.Addresses), len(res.Snapshot.Rules), len(res.Crawl.Records), len(want.Addresses), len(want.Rules))
	}
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
	checkBuiltFromRecords(t, res, nil)
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

// failing serves h but returns 503 for the listed paths.
func failing(h http.Handler, paths ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range paths {
			if r.URL.Path == p {
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func headHash(t *testing.T, a *archive.Archive) string {
	t.Helper()
	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	return head.Hash
}

// TestStaleAddressKeepsRules checks that an address whose request fails
// keeps its previous rules and raw body, that nothing is reported about it,
// and that the other changes of the crawl are committed.
func TestStaleAddressKeepsRules(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)
	first := mustRun(t, a, crawler.SourceLegacy, url)

	changed := original.Clone()
	mutate(t, changed)
	sw.Set(failing(changed.Handler(), "/get/collectes/3"))
	res := mustRun(t, a, crawler.SourceLegacy, url)

	if want := "1 address added, 1 address removed"; res.Commit.Subject != want {
		t.Errorf("subject = %q, want %q (nothing about the stale Absalon)", res.Commit.Subject, want)
	}
	if !strings.Contains(res.Commit.Message, "Stale: 1 addresses") {
		t.Errorf("commit message does not count the stale address:\n%s", res.Commit.Message)
	}
	for _, c := range res.Report.Changes {
		if c.AdresseKey == "fort-de-france_balata_absalon" {
			t.Errorf("report mentions the stale address: %+v", c)
		}
	}
	manifest, err := snapshot.DecodeManifest([]byte(gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.ManifestPath)))
	if err != nil {
		t.Fatal(err)
	}
	if len(manifest.Stale) != 1 || manifest.Stale[0].Key != "fort-de-france_balata_absalon" ||
		!strings.Contains(manifest.Stale[0].URL, "/get/collectes/3") || manifest.Stale[0].Reason == "" {
		t.Errorf("manifest stale = %+v, want Absalon with its URL and reason", manifest.Stale)
	}
	before := gitOutput(t, a.Dir(), "show", first.Commit.Hash+":raw/get/collectes/3.json")
	after := gitOutput(t, a.Dir(), "show", "HEAD:raw/get/collectes/3.json")
	if before != after {
		t.Error("the stale address's raw capture changed")
	}
	rules := gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.RulesPath)
	if !strings.Contains(rules, "fort-de-france_balata_absalon,3,FORT-DE-FRANCE,BALATA,Absalon,RS,Mardi,impaire") {
		t.Error("the stale address lost its previous RS rule")
	}
	checkTree(t, a.Dir())
}

func TestPartialCrawlFailures(t *testing.T) {
	tests := []struct {
		name  string
		first bool // the failure happens in the first crawl of the archive
		paths []string
	}{
		{"list request", false, []string{"/get/quartiers"}},
		{"first crawl", true, []string{"/get/collectes/3"}},
		{"over the threshold", false, addressPaths(t, 0.06)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			original := legacy2021(t)
			sw, url := site(t, original.Handler())
			a := openArchive(t)
			if !tt.first {
				mustRun(t, a, crawler.SourceLegacy, url)
			}
			before, _ := a.Head()

			changed := original.Clone()
			mutate(t, changed)
			sw.Set(failing(changed.Handler(), tt.paths...))
			_, err := runOnce(t, a, crawler.SourceLegacy, url)

			if !errors.Is(err, crawler.ErrCrawlFailed) {
				t.Fatalf("err = %v, want ErrCrawlFailed", err)
			}
			if !strings.Contains(err.Error(), url+tt.paths[0]) {
				t.Errorf("error does not name the failed URL %s: %v", tt.paths[0], err)
			}
			after, _ := a.Head()
			if before != nil && after.Hash != before.Hash {
				t.Errorf("HEAD moved to %s after a failed run", after.Hash)
			}
			if before == nil && after != nil {
				t.Errorf("a failed first crawl committed %s", after.Hash)
			}
		})
	}
}

// addressPaths returns the request paths of the given share of the 2021
// addresses.
func addressPaths(t *testing.T, share float64) []string {
	l := legacy2021(t)
	n := int(share*float64(len(l.Adresses))) + 1
	paths := make([]string, n)
	for i := range n {
		paths[i] = "/get/collectes/" + strconv.Itoa(l.Adresses[i].ID)
	}
	return paths
}

func TestNewAddressLeftOut(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)
	mustRun(t, a, crawler.SourceLegacy, url)

	changed := original.Clone()
	mutate(t, changed)
	sw.Set(failing(changed.Handler(), "/get/collectes/9999"))
	res := mustRun(t, a, crawler.SourceLegacy, url)

	if len(res.LeftOut) != 1 || res.LeftOut[0].ID != "9999" || res.LeftOut[0].Voie != "Rue Nouvelle" {
		t.Errorf("left out = %+v, want address 9999 Rue Nouvelle", res.LeftOut)
	}
	if strings.Contains(gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.AddressesPath), "Rue Nouvelle") {
		t.Error("the unfetched new address entered the archive")
	}
	if !strings.Contains(gitOutput(t, a.Dir(), "show", "HEAD:"+snapshot.ManifestPath), `"Rue Nouvelle"`) {
		t.Error("the manifest does not name the left-out address")
	}

	sw.Set(changed.Handler())
	res = mustRun(t, a, crawler.SourceLegacy, url)
	if want := "1 address added"; res.Commit.Subject != want {
		t.Errorf("subject once fetched = %q, want %q", res.Commit.Subject, want)
	}
}

func TestSuddenDropNeedsConfirmation(t *testing.T) {
	tests := []struct {
		name string
		drop func(l *replay.Legacy)
	}{
		{"addresses gone", func(l *replay.Legacy) { l.Adresses = l.Adresses[:len(l.Adresses)*8/10] }},
		{"stream gone", func(l *replay.Legacy) {
			for id, items := range l.Collectes {
				var kept []replay.LegacyCollecte
				for _, c := range items {
					if c.Title != "Emballages (bac jaune)" {
						kept = append(kept, c)
					}
				}
				l.Collectes[id] = kept
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			original := legacy2021(t)
			sw, url := site(t, original.Handler())
			a := openArchive(t)
			first := mustRun(t, a, crawler.SourceLegacy, url)

			dropped := original.Clone()
			tt.drop(dropped)
			sw.Set(dropped.Handler())
			res := mustRun(t, a, crawler.SourceLegacy, url)
			if res.Awaiting == "" || res.Changed {
				t.Fatalf("first crawl of the drop: awaiting=%q changed=%v, want awaiting and no commit",
					res.Awaiting, res.Changed)
			}
			if got := headHash(t, a); got != first.Commit.Hash {
				t.Fatalf("HEAD moved to %s before confirmation", got)
			}

			res = mustRun(t, a, crawler.SourceLegacy, url)
			if res.Awaiting != "" || !res.Changed {
				t.Fatalf("second crawl of the drop: awaiting=%q changed=%v, want a commit", res.Awaiting, res.Changed)
			}
			if !strings.Contains(res.Commit.Message, "confirmed by two consecutive crawls") {
				t.Errorf("commit message does not say the drop was confirmed:\n%s", res.Commit.Message)
			}
		})
	}
}

// TestDropNotConfirmedIsForgotten checks that a drop seen once, then not
// seen by the next crawl, is never committed.
func TestDropNotConfirmedIsForgotten(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)
	first := mustRun(t, a, crawler.SourceLegacy, url)

	dropped := original.Clone()
	dropped.Adresses = dropped.Adresses[:100]
	sw.Set(dropped.Handler())
	if res := mustRun(t, a, crawler.SourceLegacy, url); res.Awaiting == "" {
		t.Fatal("the drop was not held back")
	}
	sw.Set(original.Handler())
	if res := mustRun(t, a, crawler.SourceLegacy, url); res.Changed || res.Awaiting != "" {
		t.Fatalf("clean crawl after a drop: changed=%v awaiting=%q", res.Changed, res.Awaiting)
	}
	sw.Set(dropped.Handler())
	if res := mustRun(t, a, crawler.SourceLegacy, url); res.Awaiting == "" {
		t.Error("a drop seen again after a clean crawl was committed without confirmation")
	}
	if got := headHash(t, a); got != first.Commit.Hash {
		t.Errorf("HEAD moved to %s", got)
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
