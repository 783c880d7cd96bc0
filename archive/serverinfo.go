package archive

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Git's dumb HTTP transport serves an archive directory as static files.
// It reads the packs from objects/info/packs and the refs from info/refs,
// which git update-server-info, git gc and git repack write. A listing that
// names a removed pack or an old head breaks every clone over HTTP.
const (
	infoPacksPath = "objects/info/packs"
	infoRefsPath  = "info/refs"
)

// updateServerInfo rewrites objects/info/packs and the line of main in
// info/refs, each only when it exists, so an archive that is not served
// over dumb HTTP gains no file.
func (a *Archive) updateServerInfo() error {
	if err := a.updateInfoPacks(); err != nil {
		return fmt.Errorf("update %s: %w; run git update-server-info in %s to rewrite it", infoPacksPath, err, a.dir)
	}

	if err := a.updateInfoRefs(); err != nil {
		return fmt.Errorf("update %s: %w; run git update-server-info in %s to rewrite it", infoRefsPath, err, a.dir)
	}
	return nil
}

// updateInfoPacks lists every pack of objects/pack that has its index, in
// the format of git update-server-info: a "P NAME" line per pack, then an
// empty line.
func (a *Archive) updateInfoPacks() error {
	path := filepath.Join(a.dir, filepath.FromSlash(infoPacksPath))
	if !exists(path) {
		return nil
	}

	names, err := filepath.Glob(filepath.Join(a.dir, "objects", "pack", "pack-*.pack"))
	if err != nil {
		return err
	}
	slices.Sort(names)

	var b strings.Builder
	for _, name := range names {
		if exists(strings.TrimSuffix(name, ".pack") + ".idx") {
			fmt.Fprintf(&b, "P %s\n", filepath.Base(name))
		}
	}
	b.WriteString("\n")

	return replaceFile(path, []byte(b.String()))
}

// updateInfoRefs sets the line of main in info/refs to the current head and
// keeps every other line, such as tags, as git wrote it.
func (a *Archive) updateInfoRefs() error {
	path := filepath.Join(a.dir, filepath.FromSlash(infoRefsPath))
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}

	head, err := a.mainHash()
	if err != nil || head.IsZero() {
		return err
	}

	return replaceFile(path, setRefLine(old, mainBranch.String(), head.String()))
}

// setRefLine returns the info/refs listing old with the line of ref set to
// hash, added in name order when it is missing.
func setRefLine(old []byte, ref, hash string) []byte {
	var lines []string
	found := false
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		if _, name, ok := strings.Cut(line, "\t"); ok && name == ref {
			line = hash + "\t" + ref
			found = true
		}
		lines = append(lines, line)
	}

	if !found {
		lines = append(lines, hash+"\t"+ref)
		slices.SortStableFunc(lines, func(x, y string) int {
			_, nx, _ := strings.Cut(x, "\t")
			_, ny, _ := strings.Cut(y, "\t")
			return strings.Compare(nx, ny)
		})
	}

	return []byte(strings.Join(lines, "\n") + "\n")
}

// replaceFile replaces path with data through a synced temporary file, so
// a reader sees the old listing or the new one. Unlike statefile.Write, it
// leaves the file readable by all, as git does, for a web server that runs
// as another user.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}

	return os.Rename(tmp, path)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
