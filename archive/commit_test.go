package archive

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

func TestCommitFirst(t *testing.T) {
	a := mustOpen(t)

	c, changed := mustCommit(t, a, baseFiles(), "snapshot 1\n\nbody line", t0)
	if !changed {
		t.Fatalf("changed = false, want true for the first commit")
	}

	if c.Parent != "" {
		t.Errorf("Parent = %q, want empty", c.Parent)
	}
	if c.Subject != "snapshot 1" {
		t.Errorf("Subject = %q, want %q", c.Subject, "snapshot 1")
	}
	if c.Message != "snapshot 1\n\nbody line" {
		t.Errorf("Message = %q, want %q", c.Message, "snapshot 1\n\nbody line")
	}
	if !c.When.Equal(t0) {
		t.Errorf("When = %v, want %v", c.When, t0)
	}

	head, err := a.Head()
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if head.Hash != c.Hash {
		t.Errorf("Head().Hash = %s, want %s", head.Hash, c.Hash)
	}

	checkFsck(t, a.Dir())
}

func TestCommitUnchanged(t *testing.T) {
	tests := []struct {
		name        string
		next        Files
		watch       []string
		wantChanged bool
	}{
		{"identical files", baseFiles(), nil, false},
		{"identical files watched", baseFiles(), []string{"data/", "raw/"}, false},
		{"change outside watch", withFile(baseFiles(), "meta/run.json", []byte("{}")), []string{"data/", "raw/"}, false},
		{"new file outside watch", withFile(baseFiles(), "meta/new.txt", []byte("x")), []string{"data/", "raw/"}, false},
		{"change inside watch", withFile(baseFiles(), "raw/2026/page-1.json", []byte("[]")), []string{"data/", "raw/"}, true},
		{"removal inside watch", withFile(baseFiles(), "data/collectes.csv", nil), []string{"data/"}, true},
		{"change outside, whole tree", withFile(baseFiles(), "meta/run.json", []byte("{}")), nil, true},
		{"name prefix match", withFile(baseFiles(), "raw/2026/page-2.json", []byte("[]")), []string{"raw/2026/page-"}, true},
		{"name prefix miss", withFile(baseFiles(), "raw/2026/other.json", []byte("[]")), []string{"raw/2026/page-"}, false},
		{"watched directory missing", withFile(baseFiles(), "meta/run.json", []byte("{}")), []string{"absent/"}, false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustOpen(t)
			first, _ := mustCommit(t, a, baseFiles(), "first", t0)

			predicted, err := a.Changed(tt.next, tt.watch)
			if err != nil {
				t.Fatalf("Changed: %v", err)
			}
			if predicted != tt.wantChanged {
				t.Errorf("Changed = %v, want %v", predicted, tt.wantChanged)
			}

			c, changed := mustCommit(t, a, tt.next, "second", t0.Add(time.Hour), tt.watch...)
			if changed != tt.wantChanged {
				t.Errorf("Commit changed = %v, want %v", changed, tt.wantChanged)
			}

			log, err := a.Log()
			if err != nil {
				t.Fatalf("Log: %v", err)
			}

			wantLen, wantHead := 1, first.Hash
			if tt.wantChanged {
				wantLen, wantHead = 2, c.Hash
			}
			if len(log) != wantLen {
				t.Errorf("len(Log) = %d, want %d", len(log), wantLen)
			}
			if c.Hash != wantHead {
				t.Errorf("returned commit = %s, want %s", c.Hash, wantHead)
			}
		})
	}
}

func TestChangedEmptyArchive(t *testing.T) {
	a := mustOpen(t)

	changed, err := a.Changed(Files{}, []string{"data/"})
	if err != nil {
		t.Fatalf("Changed: %v", err)
	}
	if !changed {
		t.Errorf("Changed = false, want true before the first commit")
	}
}

func TestCommitReplacesTree(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)

	next := withFile(baseFiles(), "data/communes/zz/deep/x", nil)
	next = withFile(next, "data/communes/new.csv", []byte("new\n"))
	c, _ := mustCommit(t, a, next, "second", t0.Add(time.Hour))

	got, err := a.Read(c.Hash, "")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	assertFiles(t, got, next)

	listed := runGit(t, a.Dir(), "ls-tree", "-r", "--name-only", "HEAD")
	if strings.Contains(listed, "zz/deep/x") {
		t.Errorf("git ls-tree lists the removed file:\n%s", listed)
	}
	if !strings.Contains(listed, "data/communes/new.csv") {
		t.Errorf("git ls-tree misses data/communes/new.csv:\n%s", listed)
	}

	checkFsck(t, a.Dir())
}

func TestCommitGitShow(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	files := baseFiles()
	mustCommit(t, a, files, "first", t0)

	for _, path := range []string{"data/communes/zz/deep/x", "datapackage.json", "raw/2026/page-1.json"} {
		got := runGit(t, a.Dir(), "show", "HEAD:"+path)
		if got != string(files[path]) {
			t.Errorf("git show HEAD:%s = %q, want %q", path, got, files[path])
		}
	}
}

func TestCommitEmptyTree(t *testing.T) {
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)

	c, changed := mustCommit(t, a, Files{}, "empty", t0.Add(time.Hour))
	if !changed {
		t.Fatalf("changed = false, want true when every file is removed")
	}

	got, err := a.Read(c.Hash, "")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("Read returned %d files, want 0", len(got))
	}

	checkFsck(t, a.Dir())
}

func TestCommitTimeZone(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	when := time.Date(2026, 12, 31, 23, 30, 0, 0, martinique(t))

	c, _ := mustCommit(t, a, baseFiles(), "first", when)

	_, offset := c.When.Zone()
	if offset != -4*3600 {
		t.Errorf("zone offset = %d s, want %d s", offset, -4*3600)
	}
	if !c.When.Equal(when) {
		t.Errorf("When = %v, want %v", c.When, when)
	}

	got := strings.TrimSpace(runGit(t, a.Dir(), "log", "-1", "--format=%ci|%ai"))
	want := "2026-12-31 23:30:00 -0400|2026-12-31 23:30:00 -0400"
	if got != want {
		t.Errorf("git log dates = %q, want %q", got, want)
	}
}

func TestCommitDeterministic(t *testing.T) {
	opt := CommitOptions{
		Message:   "snapshot",
		Author:    Signature{Name: "Robot", Email: "robot@example.org"},
		Committer: Signature{Name: "Other", Email: "other@example.org"},
		When:      time.Date(2026, 5, 1, 6, 0, 0, 0, martinique(t)),
	}

	var hashes []string
	for range 2 {
		a := mustOpen(t)

		first, _, err := a.Commit(baseFiles(), opt)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}

		opt2 := opt
		opt2.When = opt.When.Add(24 * time.Hour)
		second, _, err := a.Commit(withFile(baseFiles(), "data/collectes.csv", []byte("x")), opt2)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}

		hashes = append(hashes, first.Hash+" "+second.Hash)
	}

	if hashes[0] != hashes[1] {
		t.Errorf("hashes differ between equal runs: %q and %q", hashes[0], hashes[1])
	}
}

func TestCommitSignatures(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)

	opt := CommitOptions{Message: "first", When: t0, Author: Signature{Name: "Robot", Email: "robot@example.org"}}
	if _, _, err := a.Commit(baseFiles(), opt); err != nil {
		t.Fatalf("Commit: %v", err)
	}

	got := strings.TrimSpace(runGit(t, a.Dir(), "log", "-1", "--format=%an <%ae>|%cn <%ce>"))
	want := "Robot <robot@example.org>|Robot <robot@example.org>"
	if got != want {
		t.Errorf("git log signatures = %q, want %q", got, want)
	}

	mustCommit(t, a, Files{"a": []byte("a")}, "second", t0)
	got = strings.TrimSpace(runGit(t, a.Dir(), "log", "-1", "--format=%an <%ae>|%cn <%ce>"))
	want = "collecte <collecte@localhost>|collecte <collecte@localhost>"
	if got != want {
		t.Errorf("git log default signatures = %q, want %q", got, want)
	}
}

func TestCommitInvalidInput(t *testing.T) {
	tests := []struct {
		name  string
		files Files
		opt   CommitOptions
		want  string
	}{
		{"blank message", baseFiles(), CommitOptions{Message: " \n"}, "message is blank"},
		{"empty path", Files{"": nil}, CommitOptions{Message: "m"}, "file path is empty"},
		{"leading slash", Files{"/etc/x": nil}, CommitOptions{Message: "m"}, `"/etc/x" is invalid`},
		{"dot dot", Files{"a/../b": nil}, CommitOptions{Message: "m"}, `"a/../b" is invalid`},
		{"trailing slash", Files{"a/": nil}, CommitOptions{Message: "m"}, `"a/" is invalid`},
		{"git directory", Files{"x/.GIT/config": nil}, CommitOptions{Message: "m"}, ".git component"},
		{"file and directory", Files{"a": nil, "a/b": nil}, CommitOptions{Message: "m"}, `"a" is also a file`},
		{"bad email", baseFiles(), CommitOptions{Message: "m", Author: Signature{"x", "a>b"}}, "author"},
		{"bad watch", baseFiles(), CommitOptions{Message: "m", Watch: []string{"/data/"}}, "watch prefix"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustOpen(t)

			_, _, err := a.Commit(tt.files, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Commit error = %v, want one containing %q", err, tt.want)
			}

			if _, err := a.Head(); !errors.Is(err, ErrEmpty) {
				t.Errorf("Head error = %v, want ErrEmpty", err)
			}
		})
	}
}

func assertFiles(tb testing.TB, got, want Files) {
	tb.Helper()

	if len(got) != len(want) {
		tb.Errorf("got %d files, want %d", len(got), len(want))
	}

	for path, content := range want {
		if g, ok := got[path]; !ok {
			tb.Errorf("file %s missing", path)
		} else if !bytes.Equal(g, content) {
			tb.Errorf("file %s = %q, want %q", path, g, content)
		}
	}

	for path := range got {
		if _, ok := want[path]; !ok {
			tb.Errorf("unexpected file %s", path)
		}
	}
}

func TestCommitTreeOrder(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)

	// Git sorts a directory as if its name ended with "/". So "data/" comes
	// after "data.csv" and "data-x" but before "data0", and fsck --strict
	// rejects any other order.
	files := Files{
		"data/a":   []byte("1"),
		"data.csv": []byte("2"),
		"data-x":   []byte("3"),
		"data0":    []byte("4"),
		"Data":     []byte("5"),
	}
	mustCommit(t, a, files, "first", t0)

	got := strings.Fields(runGit(t, a.Dir(), "ls-tree", "--name-only", "HEAD"))
	want := []string{"Data", "data-x", "data.csv", "data", "data0"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("git ls-tree order = %v, want %v", got, want)
	}

	checkFsck(t, a.Dir())
}

func TestCommitLargeTree(t *testing.T) {
	a := mustOpen(t)
	files := largeFiles()

	c, _ := mustCommit(t, a, files, "first", t0)

	got, err := a.Read(c.Hash, "data/")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	assertFiles(t, got, files)

	checkFsck(t, a.Dir())
}
