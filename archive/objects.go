package archive

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/objfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// syncEachLimit is the largest number of paths that syncPaths fsyncs one by
// one. Above it, as in the first commit of about 2,200 files, one sync(2) of
// every file system replaces thousands of fsync(2) calls. The limit is an
// estimate, not a measurement.
const syncEachLimit = 64

// objectWriter writes loose objects so that an object file under its final
// name is always complete, even after a power loss.
//
// go-git v5.19.3 (storage/filesystem/dotgit/writers.go, ObjectWriter.save)
// writes a loose object to objects/pack/tmp_obj_* and renames it into
// objects/xx/..., so readers never see a partial object, but it never calls
// fsync. After a power loss the renamed file may exist with no content, and
// a later commit that finds it by hash would reference a corrupt object. So
// objectWriter writes each object to a temporary file in objects/, fsyncs
// the temporary files, renames them into place, then fsyncs the directories.
// A crash before the renames leaves only tmp_obj_* files in objects/, which
// git ignores and nothing removes.
type objectWriter struct {
	objectsDir string
	storer     storer.EncodedObjectStorer
	pending    map[plumbing.Hash]string
}

func newObjectWriter(dir string, s storer.EncodedObjectStorer) *objectWriter {
	return &objectWriter{
		objectsDir: filepath.Join(dir, "objects"),
		storer:     s,
		pending:    map[plumbing.Hash]string{},
	}
}

// put writes obj to a temporary file unless the store already has it.
func (w *objectWriter) put(obj plumbing.EncodedObject) error {
	hash := obj.Hash()
	if _, ok := w.pending[hash]; ok {
		return nil
	}

	err := w.storer.HasEncodedObject(hash)
	if err == nil {
		return nil
	}
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("look up object %s: %w", hash, err)
	}

	tmp, err := w.writeTemp(obj)
	if err != nil {
		return fmt.Errorf("write %s object %s: %w", obj.Type(), hash, err)
	}
	w.pending[hash] = tmp

	return nil
}

// putBlob writes a blob with the given content.
func (w *objectWriter) putBlob(content []byte) error {
	obj := &plumbing.MemoryObject{}
	obj.SetType(plumbing.BlobObject)
	if _, err := obj.Write(content); err != nil {
		return err
	}

	return w.put(obj)
}

func (w *objectWriter) writeTemp(obj plumbing.EncodedObject) (path string, err error) {
	f, err := os.CreateTemp(w.objectsDir, "tmp_obj_")
	if err != nil {
		return "", err
	}

	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	if err := writeObjfile(f, obj); err != nil {
		return "", err
	}

	// Git creates loose objects read-only, and other users need read access to clone.
	if err := f.Chmod(0o444); err != nil {
		return "", err
	}

	return f.Name(), f.Close()
}

func writeObjfile(dst io.Writer, obj plumbing.EncodedObject) error {
	r, err := obj.Reader()
	if err != nil {
		return err
	}
	defer r.Close()

	ow := objfile.NewWriter(dst)
	if err := ow.WriteHeader(obj.Type(), obj.Size()); err != nil {
		return err
	}

	if _, err := io.Copy(ow, r); err != nil {
		return err
	}

	return ow.Close()
}

// flush makes every pending object durable under its final name.
func (w *objectWriter) flush() error {
	temps := make([]string, 0, len(w.pending))
	for _, tmp := range w.pending {
		temps = append(temps, tmp)
	}

	if err := syncPaths(temps); err != nil {
		return fmt.Errorf("sync new objects: %w", err)
	}

	dirs, err := w.renamePending()
	if err != nil {
		return err
	}

	if err := syncPaths(dirs); err != nil {
		return fmt.Errorf("sync object directories: %w", err)
	}

	w.pending = map[plumbing.Hash]string{}

	return nil
}

// renamePending moves each temporary file to objects/xx/<rest of hash> and
// returns the directories whose entries changed.
func (w *objectWriter) renamePending() ([]string, error) {
	dirSet := map[string]bool{w.objectsDir: true}

	for hash, tmp := range w.pending {
		hex := hash.String()
		dir := filepath.Join(w.objectsDir, hex[:2])

		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create object directory %s: %w", dir, err)
		}

		if err := os.Rename(tmp, filepath.Join(dir, hex[2:])); err != nil {
			return nil, fmt.Errorf("move object %s into place: %w", hex, err)
		}
		dirSet[dir] = true
	}

	dirs := make([]string, 0, len(dirSet))
	for dir := range dirSet {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)

	return dirs, nil
}

// syncPaths flushes the files or directories at paths to stable storage.
// NOTE: above syncEachLimit paths it calls sync(2), which waits for the
// writes to finish on Linux but, by POSIX, only schedules them elsewhere.
func syncPaths(paths []string) error {
	if len(paths) > syncEachLimit {
		syscall.Sync()
		return nil
	}

	for _, p := range paths {
		if err := syncPath(p); err != nil {
			return err
		}
	}

	return nil
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}

	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}

	return f.Close()
}
