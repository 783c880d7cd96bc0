package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/objfile"
)

func TestCheckFindsCorruptObject(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := a.Commit(Files{"data/a.csv": []byte("a\n"), "raw/b.json": []byte("{}\n")},
		CommitOptions{Message: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Commit(Files{"data/a.csv": []byte("b\n"), "raw/b.json": []byte("{}\n")},
		CommitOptions{Message: "two"}); err != nil {
		t.Fatal(err)
	}
	problems, err := a.Check()
	if err != nil || len(problems) != 0 {
		t.Fatalf("Check on a sound archive: %v, %v", problems, err)
	}

	// Replace the first commit's data/a.csv blob by another valid object.
	root, err := a.commitTree(c.Hash)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := root.FindEntry("data/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	hex := entry.Hash.String()
	path := filepath.Join(a.Dir(), "objects", hex[:2], hex[2:])
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := objfile.NewWriter(f)
	if err := w.WriteHeader(2 /* blob */, 2); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x\n"))
	w.Close()
	f.Close()

	other, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	problems, err = other.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], hex) {
		t.Errorf("problems = %q, want one naming blob %s", problems, hex)
	}
	want := "commit " + c.Hash + ": blob " + hex + " of data/a.csv is missing or corrupt"
	if len(problems) == 1 && problems[0] != want {
		t.Errorf("problem = %q, want %q", problems[0], want)
	}
}
