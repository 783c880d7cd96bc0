package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestCommitAfterGitRepack commits after git repacked the archive with
// the files that git writes beside its packs, then checks that git still
// reads, verifies and serves the repository. The repacked pack is under
// the tail size, so the next commit copies it and removes it.
func TestCommitAfterGitRepack(t *testing.T) {
	requireGit(t)
	cases := []struct {
		name string
		args []string
	}{
		{"pack bitmap and reverse index", []string{"-c", "pack.writeReverseIndex=true", "repack", "-a", "-d", "-q", "--write-bitmap-index"}},
		{"multi-pack-index with bitmap", []string{"repack", "-a", "-d", "-q", "--write-midx", "--write-bitmap-index"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := mustOpen(t)
			hashes := commitVersions(t, a, 3, false)
			runGit(t, a.Dir(), c.args...)

			reopened, err := Open(a.Dir())
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, commitVersions(t, reopened, 3, true)...)

			checkFsck(t, a.Dir())
			checkStrayPackFiles(t, a.Dir())
			runGit(t, a.Dir(), "multi-pack-index", "verify")
			runGit(t, a.Dir(), "rev-list", "--objects", "--all", "--use-bitmap-index")
			runGit(t, t.TempDir(), "clone", "-q", "--no-local", a.Dir(), filepath.Join(t.TempDir(), "clone"))
			checkVersions(t, reopened, hashes[3:])
		})
	}
}

// checkStrayPackFiles reports the files in the pack directory that belong
// to a pack which no longer exists, which git counts as garbage.
func checkStrayPackFiles(t *testing.T, dir string) {
	t.Helper()

	out := runGit(t, dir, "count-objects", "-v")
	if !strings.Contains(out, "\ngarbage: 0\n") {
		t.Errorf("git count-objects -v reports garbage:\n%s", out)
	}

	files, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		base := strings.TrimSuffix(file, filepath.Ext(file))
		if _, err := os.Stat(base + ".pack"); err != nil {
			t.Errorf("%s has no pack: %v", filepath.Base(file), err)
		}
	}
}

// TestKeptPackStays checks that a pack with a .keep file, which makes
// git repack leave the pack alone, is never copied into the tail nor
// merged, by commits, Maintain or Pack.
func TestKeptPackStays(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	hashes := commitVersions(t, a, 3, false)
	runGit(t, a.Dir(), "repack", "-a", "-d", "-q")

	kept := packFiles(t, a.Dir())
	if len(kept) != 1 {
		t.Fatalf("packs after git repack = %d, want 1", len(kept))
	}
	keep := strings.TrimSuffix(kept[0], ".pack") + ".keep"
	if err := os.WriteFile(keep, []byte("kept by the operator\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	reopened, err := Open(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	more := commitVersions(t, reopened, 3, true)
	if _, err := reopened.Pack(true); err != nil {
		t.Fatal(err)
	}

	if !slices.Contains(packFiles(t, a.Dir()), kept[0]) {
		t.Errorf("kept pack %s was removed", filepath.Base(kept[0]))
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("keep file: %v", err)
	}
	checkVersions(t, reopened, hashes)
	checkVersions(t, reopened, more)
	checkFsck(t, a.Dir())
}

// TestMultiPackIndexListsPack checks the reading of the pack names of a
// multi-pack-index that git wrote.
func TestMultiPackIndexListsPack(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	commitVersions(t, a, 3, false)
	runGit(t, a.Dir(), "repack", "-a", "-d", "-q", "--write-midx")

	packs := packFiles(t, a.Dir())
	if len(packs) != 1 {
		t.Fatalf("packs after git repack = %d, want 1", len(packs))
	}
	data, err := os.ReadFile(filepath.Join(a.Dir(), "objects", "pack", midxName))
	if err != nil {
		t.Fatal(err)
	}

	listed, err := midxListsPack(data, strings.TrimSuffix(filepath.Base(packs[0]), ".pack")+".idx")
	if err != nil || !listed {
		t.Errorf("midxListsPack(its pack) = %v, %v, want true", listed, err)
	}
	listed, err = midxListsPack(data, "pack-0123456789abcdef0123456789abcdef01234567.idx")
	if err != nil || listed {
		t.Errorf("midxListsPack(another pack) = %v, %v, want false", listed, err)
	}
	if _, err := midxListsPack(data[:20], "x"); err == nil {
		t.Error("midxListsPack(truncated) = nil error")
	}
}

// TestLockRemovesOrphanCompanions checks that the next writer removes the
// bitmap and reverse index of a pack that a killed writer removed.
func TestLockRemovesOrphanCompanions(t *testing.T) {
	a := mustOpen(t)
	commitVersions(t, a, 2, false)

	packDir := filepath.Join(a.Dir(), "objects", "pack")
	var orphans []string
	for _, ext := range []string{".idx", ".bitmap", ".rev"} {
		path := filepath.Join(packDir, "pack-0123456789abcdef0123456789abcdef01234567"+ext)
		if err := os.WriteFile(path, []byte("left by a crash"), 0o444); err != nil {
			t.Fatal(err)
		}
		orphans = append(orphans, path)
	}

	unlock, err := a.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	for _, path := range orphans {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s left after Lock: stat error = %v", filepath.Base(path), err)
		}
	}
	if n := len(packFiles(t, a.Dir())); n != 1 {
		t.Errorf("packs after Lock = %d, want 1", n)
	}
}

// corruptObject flips one bit inside the compressed data of the pack
// entry of object h, as a failing disk would, and returns the pack file.
func corruptObject(t *testing.T, a *Archive, h string) string {
	t.Helper()

	a.store.mu.Lock()
	p, offset, ok, err := a.store.find(plumbing.NewHash(h))
	a.store.mu.Unlock()
	if err != nil || !ok {
		t.Fatalf("find %s: %v, %v", h, ok, err)
	}

	path := packPath(a.store.packDir, p.name, ".pack")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var b [1]byte
	at := int64(offset) + 8
	if _, err := f.ReadAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x04
	if _, err := f.WriteAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCorruptPackNotCopied checks that a commit and a merge reject a pack
// whose content no longer matches its checksum, instead of copying the
// corrupt entry under a new checksum and removing the pack.
func TestCorruptPackNotCopied(t *testing.T) {
	operations := []struct {
		name    string
		tailMax int64
		run     func(a *Archive) error
	}{
		{"commit", tailMaxBytes, func(a *Archive) error {
			_, _, err := a.Commit(Files{"data/b.csv": []byte("new\n")}, CommitOptions{Message: "new", When: t0.Add(48 * time.Hour)})
			return err
		}},
		{"merge", 1 << 10, func(a *Archive) error {
			_, err := a.Pack(true)
			return err
		}},
	}
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			a := mustOpen(t)
			a.store.tailMax = op.tailMax
			hashes := commitVersions(t, a, 10, false)

			// No delta has a commit as its base, so only a check of the
			// whole pack notices this corruption.
			corrupt := corruptObject(t, a, hashes[0])

			err := op.run(a)
			if err == nil || !strings.Contains(err.Error(), "checksum") {
				t.Errorf("error = %v, want a checksum mismatch", err)
			}
			if _, statErr := os.Stat(corrupt); statErr != nil {
				t.Errorf("corrupt pack removed: %v", statErr)
			}
			if got := len(packFiles(t, a.Dir())); op.name == "commit" && got != 1 {
				t.Errorf("packs = %d, want only the corrupt one", got)
			}
		})
	}
}

// TestOpenWithAlternates checks that a bare clone made with git clone
// --shared, whose objects stay in the source repository, is rejected
// with the commands that make it self-contained, and that it opens once
// they ran.
func TestOpenWithAlternates(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	hashes := commitVersions(t, a, 3, false)

	shared := filepath.Join(t.TempDir(), "shared")
	runGit(t, t.TempDir(), "clone", "-q", "--bare", "--shared", a.Dir(), shared)

	_, err := Open(shared)
	if err == nil || !strings.Contains(err.Error(), "objects/info/alternates") {
		t.Fatalf("Open of a clone with alternates: error = %v, want one naming objects/info/alternates", err)
	}

	runGit(t, shared, "repack", "-a", "-d", "-q")
	if err := os.Remove(filepath.Join(shared, "objects", "info", "alternates")); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(shared)
	if err != nil {
		t.Fatalf("Open after git repack -a -d: %v", err)
	}
	checkVersions(t, reopened, hashes)
}

// TestMaintainBetweenGitRepacks alternates commits and merges with the
// repacks an operator may run, and checks that no object is ever lost and
// that git still verifies and clones the archive.
func TestMaintainBetweenGitRepacks(t *testing.T) {
	requireGit(t)
	repacks := [][]string{
		{"gc", "--quiet"},
		{"repack", "-a", "-d", "-q", "--write-midx", "--write-bitmap-index"},
		{"-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q"},
		{"gc", "--aggressive", "--quiet"},
		{"repack", "-q"},
	}

	dir := filepath.Join(t.TempDir(), "archive")
	seen := map[plumbing.Hash]bool{}
	var hashes []string
	for i, args := range repacks {
		a, err := Open(dir)
		if err != nil {
			t.Fatalf("Open before git %s: %v", strings.Join(args, " "), err)
		}
		a.store.tailMax = 2 << 10
		hashes = append(hashes, commitVersions(t, a, 12, true)...)
		if i > 0 {
			checkVersions(t, a, hashes[len(hashes)-12:])
		}
		for _, h := range storedHashes(t, a) {
			seen[h] = true
		}

		runGit(t, dir, args...)
	}

	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a.store.tailMax = 2 << 10
	commitVersions(t, a, 12, true)
	if _, err := a.Pack(true); err != nil {
		t.Fatal(err)
	}

	stored := map[plumbing.Hash]bool{}
	for _, h := range storedHashes(t, a) {
		stored[h] = true
	}
	for h := range seen {
		if !stored[h] {
			t.Errorf("object %s lost", h)
		}
	}
	checkFsck(t, dir)
	checkStrayPackFiles(t, dir)
	runGit(t, t.TempDir(), "clone", "-q", "--no-local", dir, filepath.Join(t.TempDir(), "clone"))
}

// storedHashes returns the name of every object in the archive a.
func storedHashes(t *testing.T, a *Archive) []plumbing.Hash {
	t.Helper()

	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	if err := a.store.refresh(true); err != nil {
		t.Fatal(err)
	}
	hashes, err := a.store.allHashes()
	if err != nil {
		t.Fatal(err)
	}
	return hashes
}

// TestOpenVersion1PackIndex checks that a pack index of version 1, which
// git writes with pack.indexVersion=1, is rejected with the command that
// rewrites it, and that the archive opens after that command.
func TestOpenVersion1PackIndex(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	commitVersions(t, a, 3, false)
	runGit(t, a.Dir(), "-c", "pack.indexVersion=1", "repack", "-a", "-d", "-q")

	_, err := Open(a.Dir())
	if err == nil || !strings.Contains(err.Error(), "pack.indexVersion=2") {
		t.Errorf("Open with a version 1 pack index: error = %v, want the command that rewrites it", err)
	}

	runGit(t, a.Dir(), "-c", "pack.indexVersion=2", "repack", "-a", "-d", "-q")
	if _, err := Open(a.Dir()); err != nil {
		t.Errorf("Open after the rewrite: %v", err)
	}
}

// TestMaintainWithCorruptLooseObject checks that an unreadable loose
// object is left in place and reported, without stopping Maintain from
// packing the other loose objects and merging the packs.
func TestMaintainWithCorruptLooseObject(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	a.store.tailMax = 1 << 10
	hashes := commitVersions(t, a, 20, false)
	packsBefore := len(packFiles(t, a.Dir()))

	blob := strings.TrimSpace(runGitStdin(t, a.Dir(), []byte("loose\n"), "hash-object", "-w", "--stdin"))
	corrupt := filepath.Join(a.Dir(), "objects", "ab", "cdef0123456789abcdef0123456789abcdef01")
	if err := os.MkdirAll(filepath.Dir(corrupt), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(corrupt, []byte("not zlib"), 0o444); err != nil {
		t.Fatal(err)
	}

	stats, err := a.Maintain()
	if err == nil || !strings.Contains(err.Error(), "abcdef0123456789abcdef0123456789abcdef01") {
		t.Errorf("Maintain error = %v, want one naming the corrupt loose object", err)
	}
	if _, statErr := os.Stat(corrupt); statErr != nil {
		t.Errorf("corrupt loose object removed: %v", statErr)
	}
	if packsAfter := len(packFiles(t, a.Dir())); packsAfter >= packsBefore {
		t.Errorf("packs = %d after Maintain, %d before, want fewer: %+v", packsAfter, packsBefore, stats)
	}
	if _, statErr := os.Stat(filepath.Join(a.Dir(), "objects", blob[:2], blob[2:])); !os.IsNotExist(statErr) {
		t.Errorf("readable loose object %s not packed: stat error = %v", blob, statErr)
	}
	if content, err := a.store.EncodedObject(plumbing.BlobObject, plumbing.NewHash(blob)); err != nil || content.Size() != 6 {
		t.Errorf("packed loose object %s: %v", blob, err)
	}
	checkVersions(t, a, hashes)
}
