package archive

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "time/tzdata" // America/Martinique without a system zone database
)

// martinique returns the America/Martinique zone (UTC-4, no daylight time).
func martinique(tb testing.TB) *time.Location {
	tb.Helper()

	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		tb.Fatalf("load zone: %v", err)
	}

	return loc
}

// mustOpen opens an archive in a new temporary directory.
func mustOpen(tb testing.TB) *Archive {
	tb.Helper()

	a, err := Open(filepath.Join(tb.TempDir(), "archive"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}

	return a
}

// mustCommit commits files with the given message at when and returns the
// commit and whether it was made.
func mustCommit(tb testing.TB, a *Archive, files Files, message string, when time.Time, watch ...string) (*Commit, bool) {
	tb.Helper()

	opt := CommitOptions{Message: message, When: when, Watch: watch}
	c, changed, err := a.Commit(files, opt)
	if err != nil {
		tb.Fatalf("Commit %q: %v", message, err)
	}

	return c, changed
}

// baseFiles returns a small tree with nested directories.
func baseFiles() Files {
	return Files{
		"datapackage.json":        []byte(`{"name":"collecte"}`),
		"data/collectes.csv":      []byte("adresse_id,jour\n1,Lundi\n"),
		"data/communes/fdf.csv":   []byte("id,name\n1,Fort-de-France\n"),
		"raw/2026/page-1.json":    []byte(`[{"id":1}]`),
		"meta/run.json":           []byte(`{"started":"2026-01-01T06:00:00-04:00"}`),
		"data/communes/lamentin":  []byte("2\n"),
		"data/communes/zz/deep/x": []byte("deep\n"),
	}
}

// withFile returns a copy of files with path set to content (nil removes it).
func withFile(files Files, path string, content []byte) Files {
	out := Files{}
	for p, c := range files {
		out[p] = c
	}

	if content == nil {
		delete(out, path)
	} else {
		out[path] = content
	}

	return out
}

// requireGit skips the test when the git command is missing.
func requireGit(tb testing.TB) {
	tb.Helper()

	if _, err := exec.LookPath("git"); err != nil {
		tb.Skip("git command not found")
	}
}

// runGit runs git with args in dir, isolated from user and system
// configuration, and returns its standard output.
func runGit(tb testing.TB, dir string, args ...string) string {
	tb.Helper()

	return runGitStdin(tb, dir, nil, args...)
}

// runGitStdin is runGit with stdin as the standard input.
func runGitStdin(tb testing.TB, dir string, stdin []byte, args ...string) string {
	tb.Helper()

	cmd := exec.Command("git", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"HOME="+tb.TempDir(),
		"GIT_TERMINAL_PROMPT=0",
	)

	var stderr strings.Builder
	cmd.Stderr = &stderr

	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}

	return string(out)
}

// checkFsck runs git fsck --full, which fails on any missing or corrupt
// object, and reports lines that are errors rather than dangling notices.
func checkFsck(tb testing.TB, dir string) {
	tb.Helper()
	requireGit(tb)

	out := runGit(tb, dir, "fsck", "--full", "--strict", "--no-progress")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != "" && !strings.HasPrefix(line, "dangling ") {
			tb.Errorf("git fsck: %s", line)
		}
	}
}
