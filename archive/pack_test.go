package archive

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func countLoose(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	dirs, _ := filepath.Glob(filepath.Join(dir, "objects", "??"))
	for _, d := range dirs {
		entries, _ := os.ReadDir(d)
		n += len(entries)
	}
	return n
}

func TestPackKeepsEveryCommitReadable(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	var hashes []string
	for i := range 5 {
		files := Files{"data/a.csv": []byte(fmt.Sprintf("row %d\n", i)), "raw/x.json": []byte("{}\n")}
		c, _, err := a.Commit(files, CommitOptions{Message: fmt.Sprintf("commit %d", i), When: when.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, c.Hash)
	}
	if countLoose(t, a.Dir()) == 0 {
		t.Fatal("no loose object before packing")
	}

	stats, err := a.Pack(false)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Objects == 0 || countLoose(t, a.Dir()) != 0 {
		t.Errorf("after Pack(false): %+v, %d loose objects left", stats, countLoose(t, a.Dir()))
	}
	c, _, err := a.Commit(Files{"data/a.csv": []byte("row 5\n")}, CommitOptions{Message: "after pack", When: when.Add(9 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	hashes = append(hashes, c.Hash)
	if _, err := a.Pack(true); err != nil {
		t.Fatal(err)
	}
	packs, _ := filepath.Glob(filepath.Join(a.Dir(), "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Errorf("packs after a full repack = %d, want 1", len(packs))
	}

	// A second process, here a fresh Open, and this one both read every commit.
	other, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hashes {
		for _, arch := range []*Archive{a, other} {
			content, err := arch.ReadFile(h, "data/a.csv")
			if err != nil || !strings.HasPrefix(string(content), fmt.Sprintf("row %d", i)) {
				t.Errorf("commit %d after repacking: %q, %v", i, content, err)
			}
		}
	}
	if out, err := exec.Command("git", "-C", a.Dir(), "fsck", "--full", "--strict").CombinedOutput(); err != nil {
		t.Errorf("git fsck: %v\n%s", err, out)
	}
}

// TestPackSeenByOpenArchive checks that an archive opened before another
// process packed its objects still reads them.
func TestPackSeenByOpenArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	writer, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := writer.Commit(Files{"data/a.csv": []byte("a\n")}, CommitOptions{Message: "one"})
	if err != nil {
		t.Fatal(err)
	}
	reader, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.ReadFile(c.Hash, "data/a.csv"); err != nil {
		t.Fatal(err)
	}

	time.Sleep(10 * time.Millisecond) // let the pack directory's mtime move on coarse clocks
	if _, err := writer.Pack(true); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Read(c.Hash, ""); err != nil {
		t.Errorf("reader opened before the repack: %v", err)
	}
}

func TestMaintainThresholds(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Commit(Files{"a": []byte("a")}, CommitOptions{Message: "one"}); err != nil {
		t.Fatal(err)
	}
	stats, err := a.Maintain()
	if err != nil || stats.Objects != 0 {
		t.Errorf("Maintain below the thresholds packed %+v, %v", stats, err)
	}

	files := Files{}
	for i := range MaxLooseObjects + 1 {
		files[fmt.Sprintf("raw/%d.json", i)] = []byte(fmt.Sprint(i))
	}
	if _, _, err := a.Commit(files, CommitOptions{Message: "many"}); err != nil {
		t.Fatal(err)
	}
	stats, err = a.Maintain()
	if err != nil || stats.Objects == 0 || stats.Full {
		t.Errorf("Maintain above MaxLooseObjects: %+v, %v; want an incremental pack", stats, err)
	}
}
