package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
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

	// Damage the first commit's data/a.csv blob.
	root, err := a.commitTree(c.Hash)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := root.FindEntry("data/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	corruptEntry(t, a, entry.Hash)

	other, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	problems, err = other.Check()
	if err != nil {
		t.Fatal(err)
	}
	hex := entry.Hash.String()
	if len(problems) != 1 || !strings.Contains(problems[0], hex) {
		t.Errorf("problems = %q, want one naming blob %s", problems, hex)
	}
	want := "commit " + c.Hash + ": blob " + hex + " of data/a.csv is missing or corrupt"
	if len(problems) == 1 && problems[0] != want {
		t.Errorf("problem = %q, want %q", problems[0], want)
	}
}

// corruptEntry overwrites the zlib data of the pack entry of h.
func corruptEntry(t *testing.T, a *Archive, h plumbing.Hash) {
	t.Helper()

	a.store.mu.Lock()
	p, offset, ok, err := a.store.find(h)
	a.store.mu.Unlock()
	if err != nil || !ok {
		t.Fatalf("object %s is in no pack: %v", h, err)
	}
	header, err := p.header(offset)
	if err != nil {
		t.Fatal(err)
	}

	path := packPath(a.store.packDir, p.name, ".pack")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte{0xde, 0xad, 0xbe, 0xef}, int64(offset)+int64(header.length)+2); err != nil {
		t.Fatal(err)
	}
}
