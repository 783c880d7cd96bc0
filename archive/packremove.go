package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// packCompanions are the files that git 2.39 may write beside a pack and
// its index: reverse index, bitmap, promisor marker and cruft mtimes. They
// describe that pack alone, so they go with it. A .keep file is not one of
// them, because the archive never removes a kept pack.
var packCompanions = []string{".rev", ".bitmap", ".promisor", ".mtimes"}

// midxName is the multi-pack-index that git writes with
// `git repack --write-midx` or `git multi-pack-index write`.
const midxName = "multi-pack-index"

// removePack removes a pack whose objects another pack now holds. It
// removes the multi-pack-index first when it lists the pack: git 2.39
// then fails `git fsck`, `git gc` and every clone that builds a pack,
// while without the multi-pack-index it reads each pack by its own index.
// It removes the pack file before its index, so that no pack ever lacks
// its index, a state in which go-git reads no object (see install). The
// companion files go last.
func removePack(dir string, name plumbing.Hash) error {
	if err := removeMultiPackIndex(dir, name); err != nil {
		return err
	}

	for _, ext := range append([]string{".pack", ".idx"}, packCompanions...) {
		err := os.Remove(packPath(dir, name, ext))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove pack %s: %w", filepath.Base(packPath(dir, name, ext)), err)
		}
	}
	return nil
}

// isKept reports whether the pack has a .keep file, which makes git
// repack, and the archive, leave the pack alone. A file that cannot be
// checked counts as a .keep, so that an error never removes a pack.
func isKept(dir string, name plumbing.Hash) bool {
	_, err := os.Stat(packPath(dir, name, ".keep"))
	return !errors.Is(err, os.ErrNotExist)
}

// removeMultiPackIndex removes the multi-pack-index of the pack directory
// dir, with its bitmap and reverse index, when it lists the pack name or
// cannot be read, as `git repack -d` does before it removes a pack.
// NOTE: the chains of incremental multi-pack-indexes that git 2.47 and
// later write in multi-pack-index.d are not checked.
func removeMultiPackIndex(dir string, name plumbing.Hash) error {
	path := filepath.Join(dir, midxName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}

	if err == nil {
		listed, parseErr := midxListsPack(data, "pack-"+name.String()+".idx")
		if parseErr == nil && !listed {
			return nil
		}
	}

	extras, err := filepath.Glob(filepath.Join(dir, midxName+"-*"))
	if err != nil {
		return err
	}
	for _, file := range append([]string{path}, extras...) {
		if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s before removing pack %s: %w", file, name, err)
		}
	}
	return nil
}

// midxListsPack reports whether the multi-pack-index data lists the pack
// index file idxName in its chunk of pack names (PNAM). The layout is the
// one that gitformat-pack(5) of git 2.39 describes: a 12-byte header whose
// seventh byte is the number of chunks, then a table of chunk ids and
// offsets, 12 bytes per chunk and one more for the end.
func midxListsPack(data []byte, idxName string) (bool, error) {
	const headerSize, chunkEntrySize = 12, 12
	if len(data) < headerSize || string(data[:4]) != "MIDX" {
		return false, errors.New("not a multi-pack-index")
	}

	chunks := int(data[6])
	if len(data) < headerSize+(chunks+1)*chunkEntrySize {
		return false, errors.New("multi-pack-index is truncated")
	}
	for i := range chunks {
		entry := data[headerSize+i*chunkEntrySize:]
		if string(entry[:4]) != "PNAM" {
			continue
		}
		start := binary.BigEndian.Uint64(entry[4:])
		end := binary.BigEndian.Uint64(entry[4+chunkEntrySize:])
		if start > end || end > uint64(len(data)) {
			return false, errors.New("multi-pack-index pack names are out of range")
		}
		for _, listed := range bytes.Split(data[start:end], []byte{0}) {
			if string(listed) == idxName {
				return true, nil
			}
		}
		return false, nil
	}
	return false, errors.New("multi-pack-index has no pack names")
}
