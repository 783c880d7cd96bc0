package archive

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// commitVersions makes n commits of a growing tree in which data/a.csv
// changes every time, calling Maintain after each one when maintain is
// set, and returns their hashes.
func commitVersions(t *testing.T, a *Archive, n int, maintain bool) []string {
	t.Helper()

	var hashes []string
	files := Files{"raw/x.json": []byte("{}\n")}
	body := strings.Repeat("a line that stays the same, so that a delta is small\n", 20)
	for i := range n {
		files["data/a.csv"] = fmt.Appendf(nil, "%sversion %d\n", body, i)
		files[fmt.Sprintf("raw/%d.json", i)] = fmt.Appendf(nil, "{%q: %d}\n", "version", i)
		c, _ := mustCommit(t, a, files, fmt.Sprintf("commit %d", i), t0.Add(time.Duration(i)*time.Hour))
		hashes = append(hashes, c.Hash)

		if !maintain {
			continue
		}
		if _, err := a.Maintain(); err != nil {
			t.Fatalf("Maintain after commit %d: %v", i, err)
		}
	}
	return hashes
}

// checkVersions checks that every commit of commitVersions reads back.
func checkVersions(t *testing.T, a *Archive, hashes []string) {
	t.Helper()

	for i, h := range hashes {
		content, err := a.ReadFile(h, "data/a.csv")
		if err != nil {
			t.Errorf("commit %d: %v", i, err)
			continue
		}
		if want := fmt.Sprintf("version %d\n", i); !strings.HasSuffix(string(content), want) {
			t.Errorf("commit %d: data/a.csv ends with %q, want %q", i, content[len(content)-12:], want)
		}
	}
}

func TestCommitWritesOnePack(t *testing.T) {
	a := mustOpen(t)
	hashes := commitVersions(t, a, 30, false)

	if packs := packFiles(t, a.Dir()); len(packs) != 1 {
		t.Errorf("packs after 30 commits = %d, want the tail alone", len(packs))
	}
	if n := len(leftoverFiles(t, a.Dir())); n != 0 {
		t.Errorf("files left = %d, want none", n)
	}
	checkVersions(t, a, hashes)
	checkFsck(t, a.Dir())
}

func TestCommitStoresDeltas(t *testing.T) {
	a := mustOpen(t)
	hashes := commitVersions(t, a, maxDeltaDepth+10, false)

	depths := blobDepths(t, a, hashes, "data/a.csv")
	if depths[0] != 0 {
		t.Errorf("depth of the first version = %d, want 0", depths[0])
	}
	if depths[1] != 1 {
		t.Errorf("depth of the second version = %d, want 1, a delta on the first", depths[1])
	}
	for i, d := range depths {
		if d > maxDeltaDepth {
			t.Errorf("depth of version %d = %d, want at most %d", i, d, maxDeltaDepth)
		}
	}
	if d := depths[maxDeltaDepth+1]; d != 0 {
		t.Errorf("depth of version %d = %d, want 0: a whole copy after a full chain", maxDeltaDepth+1, d)
	}
	checkVersions(t, a, hashes)
	checkFsck(t, a.Dir())
}

// blobDepths returns the delta depth of the blob at path in each commit.
func blobDepths(t *testing.T, a *Archive, hashes []string, path string) []int {
	t.Helper()

	var blobs []plumbing.Hash
	for _, h := range hashes {
		blobs = append(blobs, fileHash(t, a, h, path))
	}

	a.store.mu.Lock()
	defer a.store.mu.Unlock()

	var depths []int
	for i, blob := range blobs {
		p, offset, ok, err := a.store.find(blob)
		if err != nil || !ok {
			t.Fatalf("commit %d: blob %s not found: %v", i, blob, err)
		}
		depth, err := p.depth(offset)
		if err != nil {
			t.Fatal(err)
		}
		depths = append(depths, depth)
	}
	return depths
}

func fileHash(t *testing.T, a *Archive, commit, path string) plumbing.Hash {
	t.Helper()

	root, err := a.commitTree(commit)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := root.FindEntry(path)
	if err != nil {
		t.Fatal(err)
	}
	return entry.Hash
}

func TestMaintainMergesGeometrically(t *testing.T) {
	a := mustOpen(t)
	a.store.tailMax = 2 << 10
	hashes := commitVersions(t, a, 120, true)

	var full []int64
	for _, size := range packSizes(t, a) {
		if size >= a.store.tailMax {
			full = append(full, size)
		}
	}
	if len(full) < 2 || len(full) > 8 {
		t.Errorf("sizes of the full packs after 120 commits = %v, want a handful", full)
	}
	for i := 1; i < len(full); i++ {
		if full[i] < geometricFactor*full[i-1] {
			t.Errorf("sizes of the full packs %v: %d is less than %d times %d", full, full[i], geometricFactor, full[i-1])
		}
	}

	other, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, other, hashes)
	checkVersions(t, a, hashes)
	checkFsck(t, a.Dir())
}

func packSizes(t *testing.T, a *Archive) []int64 {
	t.Helper()

	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	if err := a.store.refresh(true); err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, p := range a.store.packs {
		sizes = append(sizes, p.size)
	}
	return sizes
}

func TestGeometricRollup(t *testing.T) {
	tests := []struct {
		sizes []int64 // ascending, in units of the tail size
		want  int     // packs merged, the smallest ones
	}{
		{[]int64{1}, 0},
		{[]int64{1, 1}, 2},
		{[]int64{1, 2}, 0},
		{[]int64{1, 1, 2}, 3},
		{[]int64{1, 2, 4, 8}, 0},
		{[]int64{1, 2, 3, 16}, 3},
		{[]int64{2, 3, 100}, 2},
		{[]int64{1, 1, 2, 4, 8}, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.sizes), func(t *testing.T) {
			s := &objectStore{tailMax: 100}
			var packs []*pack
			for _, size := range tt.sizes {
				packs = append(packs, &pack{size: size * 100})
			}
			if got := len(s.geometricRollup(packs)); got != tt.want {
				t.Errorf("packs merged = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPackMovesLooseObjects(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	hashes := commitVersions(t, a, 5, false)

	// Older versions of collecte wrote loose objects: unpack the pack.
	unpackAll(t, a.Dir())
	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, reopened, hashes)

	stats, err := reopened.Maintain()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Objects == 0 || stats.Removed == 0 {
		t.Errorf("Maintain = %+v, want the loose objects packed and removed", stats)
	}
	loose, err := filepath.Glob(filepath.Join(a.Dir(), "objects", "??", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(loose) != 0 {
		t.Errorf("loose objects left = %d", len(loose))
	}

	more := commitVersions(t, reopened, 3, false)
	checkVersions(t, reopened, more)
	checkFsck(t, a.Dir())
}

// unpackAll replaces the packs of the repository in dir by loose objects.
func unpackAll(t *testing.T, dir string) {
	t.Helper()

	for _, pack := range packFiles(t, dir) {
		data, err := os.ReadFile(pack)
		if err != nil {
			t.Fatal(err)
		}
		if err := removePack(filepath.Dir(pack), packName(t, pack)); err != nil {
			t.Fatal(err)
		}
		runGitStdin(t, dir, data, "unpack-objects", "-q")
	}
}

func packName(t *testing.T, path string) plumbing.Hash {
	t.Helper()

	hex := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "pack-"), ".pack")
	if !plumbing.IsHash(hex) {
		t.Fatalf("pack file name %s", path)
	}
	return plumbing.NewHash(hex)
}

func TestPackFullMergesEveryPack(t *testing.T) {
	a := mustOpen(t)
	a.store.tailMax = 1 << 10
	hashes := commitVersions(t, a, 20, false)
	if n := len(packFiles(t, a.Dir())); n < 2 {
		t.Fatalf("packs = %d, want several before the full pack", n)
	}

	stats, err := a.Pack(true)
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Full || stats.Removed < 2 {
		t.Errorf("Pack(true) = %+v, want a full merge", stats)
	}
	if n := len(packFiles(t, a.Dir())); n != 1 {
		t.Errorf("packs after Pack(true) = %d, want 1", n)
	}
	checkVersions(t, a, hashes)
	checkFsck(t, a.Dir())
}

// TestPackSeenByOpenArchive checks that an archive opened before another
// process merged its packs still reads every object.
func TestPackSeenByOpenArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	writer, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	writer.store.tailMax = 1 << 10
	hashes := commitVersions(t, writer, 10, false)

	reader, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkVersions(t, reader, hashes[:5])

	if _, err := writer.Pack(true); err != nil {
		t.Fatal(err)
	}
	more := commitVersions(t, writer, 3, false)
	checkVersions(t, reader, hashes)
	checkVersions(t, reader, more)
}
