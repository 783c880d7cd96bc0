package archive

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCreates(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a", "b") }},
		{"empty directory", func(t *testing.T) string { return t.TempDir() }},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t)

			a, err := Open(dir)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}

			head, err := os.ReadFile(filepath.Join(dir, "HEAD"))
			if err != nil {
				t.Fatalf("read HEAD: %v", err)
			}
			if got, want := string(head), "ref: refs/heads/main\n"; got != want {
				t.Errorf("HEAD = %q, want %q", got, want)
			}

			if info, err := os.Stat(filepath.Join(dir, "objects")); err != nil || !info.IsDir() {
				t.Errorf("objects directory missing: %v", err)
			}

			if _, err := a.Head(); !errors.Is(err, ErrEmpty) {
				t.Errorf("Head error = %v, want ErrEmpty", err)
			}
		})
	}
}

func TestOpenExisting(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	c, _ := mustCommit(t, a, baseFiles(), "first", t0)

	again, err := Open(dir)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}

	head, err := again.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != c.Hash {
		t.Errorf("Head = %s, want %s", head.Hash, c.Hash)
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{"non-git directory", func(t *testing.T) string {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "notes.txt"), "hello")
			return dir
		}, "is not a git repository"},
		{"regular file", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "file")
			writeFile(t, path, "hello")
			return path
		}, "not a directory"},
		{"worktree repository", func(t *testing.T) string {
			requireGit(t)
			dir := t.TempDir()
			runGit(t, dir, "init", "--quiet", "-b", "main")
			return dir
		}, "bare repository"},
		{"HEAD on master", func(t *testing.T) string {
			requireGit(t)
			dir := t.TempDir()
			runGit(t, dir, "init", "--quiet", "--bare", "-b", "master")
			return dir
		}, "git symbolic-ref HEAD refs/heads/main"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t)

			_, err := Open(dir)
			if err == nil {
				t.Fatalf("Open returned no error")
			}

			abs, _ := filepath.Abs(dir)
			if !strings.Contains(err.Error(), abs) {
				t.Errorf("error %q does not name %s", err, abs)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestCloneWithGit(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)
	next := withFile(baseFiles(), "data/collectes.csv", []byte("second\n"))
	mustCommit(t, a, next, "second", t0.Add(time.Hour))

	clone := filepath.Join(t.TempDir(), "clone")
	runGit(t, t.TempDir(), "clone", "--quiet", a.Dir(), clone)

	for path, want := range next {
		got, err := os.ReadFile(filepath.Join(clone, filepath.FromSlash(path)))
		if err != nil {
			t.Errorf("read %s in clone: %v", path, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s in clone = %q, want %q", path, got, want)
		}
	}

	branch := strings.TrimSpace(runGit(t, clone, "rev-parse", "--abbrev-ref", "HEAD"))
	if branch != "main" {
		t.Errorf("clone branch = %q, want main", branch)
	}

	subjects := strings.TrimSpace(runGit(t, clone, "log", "--format=%s"))
	if subjects != "second\nfirst" {
		t.Errorf("git log subjects = %q, want %q", subjects, "second\nfirst")
	}

	checkFsck(t, clone)
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()

	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
