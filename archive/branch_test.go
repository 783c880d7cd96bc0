package archive

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommitBranchLeavesMain(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 12, 4, 6, 0, 0, 0, time.FixedZone("-04", -4*3600))
	main, _, err := a.Commit(Files{"data/a.csv": []byte("a\n")}, CommitOptions{Message: "snapshot", When: when})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := a.BranchHead("feeds"); !errors.Is(err, ErrEmpty) {
		t.Errorf("BranchHead before any commit: err = %v, want ErrEmpty", err)
	}
	c, changed, err := a.CommitBranch("feeds", Files{"feeds/feed.atom": []byte("<feed/>\n")},
		CommitOptions{Message: "feeds for " + main.Hash, When: when})
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Error("first feeds commit reported unchanged")
	}
	_, changed, err = a.CommitBranch("feeds", Files{"feeds/feed.atom": []byte("<feed/>\n")},
		CommitOptions{Message: "again", When: when})
	if err != nil || changed {
		t.Errorf("identical feeds commit: changed=%v err=%v, want no commit", changed, err)
	}

	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Hash != main.Hash {
		t.Errorf("main moved to %s, want %s", head.Hash, main.Hash)
	}
	got, err := a.BranchHead("feeds")
	if err != nil || got.Hash != c.Hash {
		t.Errorf("BranchHead = %v, %v, want %s", got, err, c.Hash)
	}
	out, err := exec.Command("git", "-C", a.Dir(), "show", "feeds:feeds/feed.atom").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "<feed/>" {
		t.Errorf("git show feeds:feeds/feed.atom = %q, %v", out, err)
	}
	if out, err := exec.Command("git", "-C", a.Dir(), "fsck", "--full", "--strict").CombinedOutput(); err != nil {
		t.Errorf("git fsck: %v\n%s", err, out)
	}
}

func TestCommitBranchRejectsNames(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "main", "../x", "a..b", "x.lock", "a b", "/x"} {
		if _, _, err := a.CommitBranch(name, Files{"f": []byte("x")}, CommitOptions{Message: "m"}); err == nil {
			t.Errorf("CommitBranch(%q) accepted the name", name)
		}
	}
}
