package e2e

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/snapshot"
)

// crashIterations returns the number of kills of TestCrashSafety: the
// COLLECTE_CRASH_ITERATIONS environment variable, else 50 when CI=true and
// 10 otherwise, so that a developer's run stays short.
func crashIterations(t *testing.T) int {
	def := 10
	if os.Getenv("CI") == "true" {
		def = 50
	}
	return envInt(t, "COLLECTE_CRASH_ITERATIONS", def)
}

// TestCrashSafety kills `collecte crawl` with SIGKILL at a random moment of
// its crawl and commit, many times, and checks after each kill that the
// repository is consistent, that HEAD is a complete snapshot and that the
// next run completes normally. The served data changes before every run,
// so every run has something to commit. COLLECTE_CRASH_SEED replays the
// kill moments of an earlier run.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the collecte binary")
	}
	site := smallSite(t, 120)
	sw, url := startSite(t, site.Handler())
	dir := filepath.Join(t.TempDir(), "archive")

	// The first run writes every file, so the typical run to time is the
	// one after it, which commits one change.
	mustRunCrawl(t, dir, url)
	changeDays(t, site, len(site.Adresses)-1)
	sw.Set(site.Handler())
	start := time.Now()
	mustRunCrawl(t, dir, url)
	clean := time.Since(start)

	seed := uint64(envInt(t, "COLLECTE_CRASH_SEED", int(time.Now().UnixNano()%1e9)))
	rng := rand.New(rand.NewPCG(seed, 0))
	n := crashIterations(t)
	t.Logf("%d kills with seed %d (COLLECTE_CRASH_SEED), clean run %v", n, seed, clean)

	var finished, committed, temps, locks int
	for i := range n {
		changeDays(t, site, i%len(site.Adresses))
		sw.Set(site.Handler())
		before := strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
		tempsBefore := tempObjects(t, dir)

		delay := time.Duration(rng.Int64N(int64(clean) + 1))
		code, out := killAfter(t, dir, url, delay)
		if code == 0 {
			finished++
		}
		if strings.TrimSpace(git(t, dir, "rev-parse", "HEAD")) != before {
			committed++
		}
		temps += tempObjects(t, dir) - tempsBefore
		// A kill between the creation of refs/heads/main.lock and its
		// rename leaves the lock file, which the next writer removes.
		if refLockLeft(dir) {
			locks++
		}
		if !checkArchive(t, dir, "after a kill at "+delay.String()) {
			t.Fatalf("kill %d of %d at %v (COLLECTE_CRASH_SEED=%d) left a broken archive; its output:\n%s",
				i+1, n, delay, seed, out)
		}

		mustRunCrawl(t, dir, url)
		if !checkArchive(t, dir, "after the run that followed a kill") {
			t.Fatalf("kill %d of %d at %v (COLLECTE_CRASH_SEED=%d)", i+1, n, delay, seed)
		}
		if refLockLeft(dir) {
			t.Fatalf("kill %d of %d at %v (COLLECTE_CRASH_SEED=%d): refs/heads/main.lock is still there after the next run, "+
				"so every later commit would fail", i+1, n, delay, seed)
		}
	}
	// These counts show which phases the kills hit: a commit without exit
	// code 0 is a kill after the ref update, and temporary files are left
	// by a kill while a pack was written.
	t.Logf("of %d killed runs: %d finished, %d committed, %d temporary pack files left, %d ref locks left",
		n, finished, committed, temps, locks)

	if got := mustRunCrawl(t, dir, url); !strings.Contains(got, "unchanged") {
		t.Errorf("a crawl of unchanged data after the kills reported:\n%s", got)
	}
}

// killAfter starts `collecte crawl`, kills it with SIGKILL after delay and
// returns its exit code, -1 when the kill ended it.
func killAfter(t *testing.T, dir, url string, delay time.Duration) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, out := crawlCommand(t, ctx, dir, url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	_ = cmd.Wait()
	return cmd.ProcessState.ExitCode(), out.String()
}

// checkArchive checks the repository with git and the snapshot at HEAD,
// and reports whether all holds.
func checkArchive(t *testing.T, dir, when string) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Errorf(when+": "+format, args...)
		ok = false
	}

	if out, err := gitRun(dir, "fsck", "--full", "--no-progress"); err != nil {
		fail("git fsck --full: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(git(t, dir, "for-each-ref", "--format=%(objectname) %(refname)")), "\n") {
		hash, ref, _ := strings.Cut(line, " ")
		if out, err := gitRun(dir, "cat-file", "-e", hash+"^{commit}"); err != nil {
			fail("%s points at %s, which is not a commit in the store: %v %s", ref, hash, err, out)
		}
	}

	for _, missing := range missingFiles(t, dir) {
		fail("HEAD lacks %s", missing)
	}
	return ok
}

// missingFiles decodes the snapshot at HEAD and returns the expected files
// that its tree lacks: the snapshot, the reports, the raw lists and the raw
// body of every address.
func missingFiles(t *testing.T, dir string) []string {
	t.Helper()
	prev, err := pipeline.ReadHead(openArchive(t, dir))
	if err != nil || prev == nil {
		return []string{"a decodable snapshot: " + errorText(err)}
	}

	tree := map[string]bool{}
	for _, path := range strings.Split(git(t, dir, "ls-tree", "-r", "--name-only", "HEAD"), "\n") {
		tree[path] = true
	}
	want := []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath, snapshot.PackagePath,
		snapshot.ManifestPath, pipeline.ReportJSONPath, pipeline.ReportMarkdownPath,
		"raw/get/communes.json", "raw/get/quartiers.json", "raw/get/adresses.json"}
	for _, a := range prev.Snapshot.Addresses {
		want = append(want, "raw/get/collectes/"+a.ID+".json")
	}

	var missing []string
	for _, path := range want {
		if !tree[path] {
			missing = append(missing, path)
		}
	}
	return missing
}

// refLockLeft reports whether refs/heads/main.lock exists in the archive.
func refLockLeft(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "refs", "heads", "main.lock"))
	return err == nil
}

// tempObjects returns the number of temporary pack and index files in
// objects/pack, which a kill while writing a pack leaves and git ignores.
func tempObjects(t *testing.T, dir string) int {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "tmp_*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(matches)
}

func errorText(err error) string {
	if err == nil {
		return "archive is empty"
	}
	return err.Error()
}

func gitRun(dir string, args ...string) (string, error) {
	out, err := gitCommand(dir, args...).CombinedOutput()
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) {
		return string(out), errors.New("exit code " + strconv.Itoa(exit.ExitCode()))
	}
	return string(out), err
}

// TestStaleRefLockAfterKill checks that the refs/heads/main.lock file that
// a kill leaves between its creation and its rename over refs/heads/main
// does not block the next run. collecte holds collecte.lock while it
// commits, so no other collecte process can own that file.
func TestStaleRefLockAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collecte binary")
	}
	site := smallSite(t, 20)
	sw, url := startSite(t, site.Handler())
	dir := filepath.Join(t.TempDir(), "archive")
	mustRunCrawl(t, dir, url)

	// A kill after the lock file was created and before its rename leaves
	// it empty or holding the new hash.
	lock := filepath.Join(dir, "refs", "heads", "main.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	changeDays(t, site, 3)
	sw.Set(site.Handler())

	code, out := runCrawl(t, dir, url)

	if code != 0 {
		t.Errorf("run after a kill in the ref update: exit code %d, want 0:\n%s", code, out)
	}
	checkArchive(t, dir, "after the run that followed the kill")
}
