package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestReadPackWithReferenceDeltas(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	hashes := commitVersions(t, a, 12, false)

	// With repack.useDeltaBaseOffset false, git writes REF_DELTA entries,
	// which name their base instead of its offset.
	runGit(t, a.Dir(), "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q")

	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if n := countEntries(t, reopened, plumbing.REFDeltaObject); n == 0 {
		t.Fatal("git wrote no REF_DELTA entry")
	}
	checkVersions(t, reopened, hashes)

	more := commitVersions(t, reopened, 3, true)
	checkVersions(t, reopened, more)
	checkFsck(t, a.Dir())
}

func TestCommitPathChangesKind(t *testing.T) {
	a := mustOpen(t)
	long := bytes.Repeat([]byte("content that is long enough for a delta\n"), 10)
	steps := []Files{
		{"a/b": long, "empty": nil},
		{"a": append(long, "now a file\n"...), "empty": append(long, "no longer empty\n"...)},
		{"a/c": long, "empty": nil},
	}

	var hashes []string
	for i, files := range steps {
		c, _ := mustCommit(t, a, files, "step", t0.Add(time.Duration(i)*time.Hour))
		hashes = append(hashes, c.Hash)
	}

	other, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hashes {
		got, err := other.Read(h, "")
		if err != nil {
			t.Fatalf("Read step %d: %v", i, err)
		}
		assertFiles(t, got, steps[i])
	}
	checkFsck(t, a.Dir())
}

func TestCloneOfArchive(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	a.store.tailMax = 2 << 10
	hashes := commitVersions(t, a, 20, true)

	want, err := a.ReadFile(hashes[len(hashes)-1], "data/a.csv")
	if err != nil {
		t.Fatal(err)
	}

	// A local clone copies the packs, --no-local makes git build a pack
	// from the archive's objects, as a clone over the network does.
	for _, args := range [][]string{{"clone", "-q"}, {"clone", "-q", "--no-local"}} {
		dest := filepath.Join(t.TempDir(), "clone")
		runGit(t, t.TempDir(), append(args, a.Dir(), dest)...)

		got, err := os.ReadFile(filepath.Join(dest, "data", "a.csv"))
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("git %s: data/a.csv differs from HEAD", strings.Join(args, " "))
		}
		checkFsck(t, dest)
	}
}

// countEntries returns the number of pack entries of type typ.
func countEntries(t *testing.T, a *Archive, typ plumbing.ObjectType) int {
	t.Helper()

	a.store.mu.Lock()
	defer a.store.mu.Unlock()

	n := 0
	for _, p := range a.store.packs {
		for i := range p.idx.count {
			offset, err := p.idx.offset(i)
			if err != nil {
				t.Fatal(err)
			}
			h, err := p.header(offset)
			if err != nil {
				t.Fatal(err)
			}
			if h.typ == typ {
				n++
			}
		}
	}
	return n
}

func TestCommitWithoutPackDirectory(t *testing.T) {
	a := mustOpen(t)
	if err := os.Remove(filepath.Join(a.Dir(), "objects", "pack")); err != nil {
		t.Fatal(err)
	}

	c, _ := mustCommit(t, a, baseFiles(), "first", t0)
	got, err := a.Read(c.Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	assertFiles(t, got, baseFiles())
}
