package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/objfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// cacheBytes is the budget of the object cache: the content of recently
// read objects and delta bases. It holds a few versions of the largest
// file of a snapshot (data/collectes.csv, about 1.5 MB in 2021), so that
// reading successive versions applies one delta each. Unlike go-git's
// default cache of 96 MiB, it stays small in a long-running daemon.
const cacheBytes = 8 << 20

// objectStore is the go-git storage of the archive. References and the
// configuration come from go-git's filesystem storage. Objects are read by
// objectStore itself, from the packs and from loose object files, and
// written as packs by writeObjects. go-git's own object storage is not
// used, because it keeps every pack index decoded in memory, reloads all
// of them after any pack changes, and never fsyncs what it writes.
type objectStore struct {
	filesystem.ReferenceStorage
	filesystem.IndexStorage
	filesystem.ShallowStorage
	filesystem.ConfigStorage
	filesystem.ModuleStorage

	objectsDir string
	packDir    string
	tailMax    int64 // tailMaxBytes, lowered by tests

	// mu guards the fields below. Archive methods take turns already,
	// but objects decoded by go-git keep the store and read through it.
	mu       sync.Mutex
	packs    []*pack // smallest first, where the newest objects are
	packTime time.Time
	nextID   uint64
	inherit  map[plumbing.Hash]uint64 // cache identity of the packs being written
	cache    *objectCache
	reader   packReader
}

var errReadOnlyStore = errors.New("archive objects are written only by Commit and CommitBranch")

// newObjectStore opens the storage of the bare repository in dir.
func newObjectStore(dir string) (*objectStore, error) {
	fs := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRU(0))
	s := &objectStore{
		ReferenceStorage: fs.ReferenceStorage,
		IndexStorage:     fs.IndexStorage,
		ShallowStorage:   fs.ShallowStorage,
		ConfigStorage:    fs.ConfigStorage,
		ModuleStorage:    fs.ModuleStorage,
		objectsDir:       filepath.Join(dir, "objects"),
		packDir:          filepath.Join(dir, "objects", "pack"),
		tailMax:          tailMaxBytes,
		inherit:          map[plumbing.Hash]uint64{},
		cache:            newObjectCache(cacheBytes),
	}
	if err := checkNoAlternates(s.objectsDir); err != nil {
		return nil, err
	}
	if err := s.refresh(true); err != nil {
		return nil, err
	}
	return s, nil
}

// checkNoAlternates rejects a repository that reads objects from other
// repositories through objects/info/alternates, as a clone made with git
// clone --shared or --reference does. An archive must contain every
// object itself, so that removing another repository loses none.
func checkNoAlternates(objectsDir string) error {
	path := filepath.Join(objectsDir, "info", "alternates")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(bytes.TrimSpace(data)) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return fmt.Errorf("%s lists other repositories whose objects this one uses, "+
		"but an archive must contain all its objects: run git repack -a -d in the "+
		"archive, then remove %s", path, path)
}

// refresh brings the list of packs up to date with the pack directory when
// its modification time changed, or always with force. Packs that are
// still listed stay open, so that a refresh costs one directory read and
// the opening of new packs, whatever the size of the history. A pack
// without its index is skipped, as git does: git writes the pack before
// its index, so such a pack is being written or was left by a crash.
func (s *objectStore) refresh(force bool) error {
	info, err := os.Stat(s.packDir)
	if errors.Is(err, os.ErrNotExist) {
		return s.setPacks(nil)
	}
	if err != nil {
		return fmt.Errorf("read pack directory: %w", err)
	}
	if !force && info.ModTime().Equal(s.packTime) {
		return nil
	}

	names, err := listPacks(s.packDir)
	if err != nil {
		return err
	}

	packs, err := s.openPacks(names)
	if err != nil {
		return err
	}
	s.packTime = info.ModTime()
	return s.setPacks(packs)
}

// listPacks returns the names of the packs in dir that have an index.
func listPacks(dir string) ([]plumbing.Hash, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list packs in %s: %w", dir, err)
	}

	files := map[string]bool{}
	for _, e := range entries {
		files[e.Name()] = true
	}

	var names []plumbing.Hash
	for file := range files {
		hex, ok := strings.CutPrefix(file, "pack-")
		hex, isPack := strings.CutSuffix(hex, ".pack")
		if !ok || !isPack || !plumbing.IsHash(hex) || !files["pack-"+hex+".idx"] {
			continue
		}
		names = append(names, plumbing.NewHash(hex))
	}
	return names, nil
}

// openPacks returns the packs named, reusing those already open. A pack
// removed since it was listed is skipped.
func (s *objectStore) openPacks(names []plumbing.Hash) ([]*pack, error) {
	open := map[plumbing.Hash]*pack{}
	for _, p := range s.packs {
		open[p.name] = p
	}

	var packs []*pack
	for _, name := range names {
		if p, ok := open[name]; ok {
			packs = append(packs, p)
			continue
		}

		p, err := openPack(s.packDir, name, s.cacheID(name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			closePacks(packs, s.packs)
			return nil, fmt.Errorf("open pack %s: %w", name, err)
		}
		packs = append(packs, p)
	}
	return packs, nil
}

// cacheID returns the cache identity of a pack being opened: the one that
// its writer chose, else a new one.
func (s *objectStore) cacheID(name plumbing.Hash) uint64 {
	if id, ok := s.inherit[name]; ok {
		delete(s.inherit, name)
		return id
	}
	return s.newCacheID()
}

func (s *objectStore) newCacheID() uint64 {
	s.nextID++
	return s.nextID
}

// closePacks closes the packs of opened that are not in kept.
func closePacks(opened, kept []*pack) {
	for _, p := range opened {
		if !slices.Contains(kept, p) {
			_ = p.close()
		}
	}
}

// setPacks replaces the list of packs, closing those no longer listed.
func (s *objectStore) setPacks(packs []*pack) error {
	var errs []error
	for _, p := range s.packs {
		if !slices.Contains(packs, p) {
			errs = append(errs, p.close())
		}
	}

	slices.SortStableFunc(packs, func(x, y *pack) int { return int(x.size - y.size) })
	s.packs = packs
	return errors.Join(errs...)
}

// find returns the pack that holds h and the offset of its entry.
func (s *objectStore) find(h plumbing.Hash) (*pack, uint64, bool, error) {
	for _, p := range s.packs {
		i, ok := p.idx.find(h)
		if !ok {
			continue
		}
		offset, err := p.idx.offset(i)
		return p, offset, true, err
	}
	return nil, 0, false, nil
}

// NewEncodedObject returns an empty in-memory object.
func (s *objectStore) NewEncodedObject() plumbing.EncodedObject {
	return &plumbing.MemoryObject{}
}

// SetEncodedObject always fails: the archive writes objects as packs, and
// only through Commit, so that they are durable before a branch moves.
func (s *objectStore) SetEncodedObject(plumbing.EncodedObject) (plumbing.Hash, error) {
	return plumbing.ZeroHash, errReadOnlyStore
}

// AddAlternate always fails: an archive keeps every object itself.
func (s *objectStore) AddAlternate(string) error {
	return errReadOnlyStore
}

// EncodedObject returns the object h of type t (or any type for
// plumbing.AnyObject), or plumbing.ErrObjectNotFound. On a miss it reads
// the pack directory again once, in case another process repacked.
func (s *objectStore) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	obj, err := s.object(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		if err := s.refresh(true); err != nil {
			return nil, err
		}
		obj, err = s.object(h)
	}
	if err != nil {
		return nil, err
	}

	if t != plumbing.AnyObject && obj.Type() != t {
		return nil, plumbing.ErrObjectNotFound
	}
	return obj, nil
}

func (s *objectStore) object(h plumbing.Hash) (*storedObject, error) {
	p, offset, ok, err := s.find(h)
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.looseObject(h)
	}

	typ, content, err := s.reader.read(p, offset, s.cache)
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", h, err)
	}
	return &storedObject{hash: h, typ: typ, content: content}, nil
}

// looseObjectPath returns the path of the loose object file of h, which
// older versions of the archive and git commands write.
func (s *objectStore) looseObjectPath(h plumbing.Hash) string {
	hex := h.String()
	return filepath.Join(s.objectsDir, hex[:2], hex[2:])
}

func (s *objectStore) looseObject(h plumbing.Hash) (*storedObject, error) {
	f, err := os.Open(s.looseObjectPath(h))
	if errors.Is(err, os.ErrNotExist) {
		return nil, plumbing.ErrObjectNotFound
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()

	r, err := objfile.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read loose object %s: %w", h, err)
	}
	defer r.Close()

	typ, size, err := r.Header()
	if err != nil {
		return nil, fmt.Errorf("read loose object %s: %w", h, err)
	}
	content, err := io.ReadAll(io.LimitReader(r, size+1))
	if err != nil || int64(len(content)) != size {
		return nil, fmt.Errorf("read loose object %s: %d bytes for %d declared: %v", h, len(content), size, err)
	}
	return &storedObject{hash: h, typ: typ, content: content}, nil
}

// HasEncodedObject returns nil when the store holds h, else
// plumbing.ErrObjectNotFound.
func (s *objectStore) HasEncodedObject(h plumbing.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	_, _, ok, err := s.find(h)
	if err != nil || ok {
		return err
	}

	_, err = os.Stat(s.looseObjectPath(h))
	if errors.Is(err, os.ErrNotExist) {
		return plumbing.ErrObjectNotFound
	}
	return err
}

// EncodedObjectSize returns the size of the content of object h.
func (s *objectStore) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	obj, err := s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, err
	}
	return obj.Size(), nil
}

// IterEncodedObjects returns every object of type t (or of any type),
// each once, read when the iterator reaches it.
func (s *objectStore) IterEncodedObjects(t plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	s.mu.Lock()
	hashes, err := s.allHashes()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &objectIter{store: s, typ: t, hashes: hashes}, nil
}

// allHashes returns the name of every object, packed or loose, once.
func (s *objectStore) allHashes() ([]plumbing.Hash, error) {
	seen := map[plumbing.Hash]bool{}
	for _, p := range s.packs {
		for i := range p.idx.count {
			seen[p.idx.hash(i)] = true
		}
	}

	loose, err := s.looseHashes()
	if err != nil {
		return nil, err
	}
	for _, h := range loose {
		seen[h] = true
	}

	hashes := make([]plumbing.Hash, 0, len(seen))
	for h := range seen {
		hashes = append(hashes, h)
	}
	slices.SortFunc(hashes, func(x, y plumbing.Hash) int { return bytes.Compare(x[:], y[:]) })
	return hashes, nil
}

// looseHashes returns the names of the loose object files.
func (s *objectStore) looseHashes() ([]plumbing.Hash, error) {
	dirs, err := os.ReadDir(s.objectsDir)
	if err != nil {
		return nil, fmt.Errorf("list loose objects: %w", err)
	}

	var hashes []plumbing.Hash
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(s.objectsDir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("list loose objects: %w", err)
		}
		for _, f := range files {
			if hex := d.Name() + f.Name(); plumbing.IsHash(hex) {
				hashes = append(hashes, plumbing.NewHash(hex))
			}
		}
	}
	return hashes, nil
}

// objectIter reads the objects of a list of hashes, skipping those of
// another type than typ.
type objectIter struct {
	store  *objectStore
	typ    plumbing.ObjectType
	hashes []plumbing.Hash
}

func (it *objectIter) Next() (plumbing.EncodedObject, error) {
	for len(it.hashes) > 0 {
		h := it.hashes[0]
		it.hashes = it.hashes[1:]

		obj, err := it.store.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return nil, err
		}
		if it.typ == plumbing.AnyObject || obj.Type() == it.typ {
			return obj, nil
		}
	}
	return nil, io.EOF
}

func (it *objectIter) ForEach(visit func(plumbing.EncodedObject) error) error {
	return storer.ForEachIterator(it, visit)
}

func (it *objectIter) Close() {
	it.hashes = nil
}

// close closes every pack.
func (s *objectStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setPacks(nil)
}

// storedObject is an object read from the store, with its hash known, so
// that decoding it does not hash its content again. Its content is shared
// with the cache and must not be modified.
type storedObject struct {
	hash    plumbing.Hash
	typ     plumbing.ObjectType
	content []byte
}

func (o *storedObject) Hash() plumbing.Hash             { return o.hash }
func (o *storedObject) Type() plumbing.ObjectType       { return o.typ }
func (o *storedObject) SetType(plumbing.ObjectType)     {}
func (o *storedObject) Size() int64                     { return int64(len(o.content)) }
func (o *storedObject) SetSize(int64)                   {}
func (o *storedObject) Writer() (io.WriteCloser, error) { return nil, errReadOnlyStore }

func (o *storedObject) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.content)), nil
}
