package archive

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Thresholds of Maintain. A daily crawl adds a few dozen loose objects per
// change, an hourly one a few hundred per day.
const (
	// MaxLooseObjects is the number of loose objects above which Maintain
	// packs them.
	MaxLooseObjects = 2000

	// MaxPacks is the number of packs above which Maintain repacks every
	// object into one pack, so that deltas span the whole history.
	MaxPacks = 16
)

// deltaWindow is the number of objects the pack encoder compares each
// object with when looking for a delta base, git's default.
const deltaWindow = 10

// PackStats describes what Pack did.
type PackStats struct {
	Objects  int  // objects written into the new pack
	Removed  int  // loose objects and old packs removed
	Full     bool // every object was repacked
	Duration time.Duration
}

// Maintain packs the loose objects when there are more than MaxLooseObjects
// of them, and repacks everything into one pack when there are more than
// MaxPacks packs. It does nothing otherwise. The caller holds Lock.
func (a *Archive) Maintain() (PackStats, error) {
	defer a.enter()()

	loose, err := a.looseObjects()
	if err != nil {
		return PackStats{}, err
	}
	packs, err := a.packs()
	if err != nil {
		return PackStats{}, err
	}

	switch {
	case len(packs) >= MaxPacks:
		return a.pack(true)
	case len(loose) > MaxLooseObjects:
		return a.pack(false)
	}
	return PackStats{}, nil
}

// Pack moves every loose object into a new pack, or with full every object
// of the repository into a single pack that replaces the others. The pack
// and its index are on stable storage before any loose object or old pack
// is removed, so a crash at any point loses no object. The caller holds
// Lock.
func (a *Archive) Pack(full bool) (PackStats, error) {
	defer a.enter()()
	return a.pack(full)
}

func (a *Archive) pack(full bool) (PackStats, error) {
	start := time.Now()
	stats := PackStats{Full: full}

	oldPacks, err := a.packs()
	if err != nil {
		return stats, err
	}
	loose, err := a.looseObjects()
	if err != nil {
		return stats, err
	}
	objects := loose
	if full {
		if objects, err = a.allObjects(); err != nil {
			return stats, err
		}
	}
	if len(objects) == 0 {
		return stats, nil
	}

	newPack, err := a.writePack(objects)
	if err != nil {
		return stats, err
	}
	stats.Objects = len(objects)

	removed, err := a.removePacked(loose, oldPacks, newPack, full)
	stats.Removed = removed
	stats.Duration = time.Since(start)
	return stats, err
}

// writePack encodes objects into a pack, then makes the pack and its index
// durable. go-git v5.19.3 writes them through temporary files renamed into
// place but never fsyncs them.
func (a *Archive) writePack(objects []plumbing.Hash) (plumbing.Hash, error) {
	pw, ok := a.repo.Storer.(storer.PackfileWriter)
	if !ok {
		return plumbing.ZeroHash, errors.New("pack objects: the storage cannot write packs")
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("pack objects: %w", err)
	}

	hash, err := packfile.NewEncoder(w, a.repo.Storer, false).Encode(objects, deltaWindow)
	if closeErr := w.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("pack %d objects in %s: %w", len(objects), a.dir, err)
	}

	syscall.Sync()
	if err := syncPath(filepath.Join(a.dir, "objects", "pack")); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("sync new pack %s: %w", hash, err)
	}
	return hash, nil
}

// removePacked deletes the loose objects now in the new pack and, after a
// full repack, the packs it replaces.
func (a *Archive) removePacked(loose, oldPacks []plumbing.Hash, newPack plumbing.Hash, full bool) (int, error) {
	los, ok := a.repo.Storer.(storer.LooseObjectStorer)
	if !ok {
		return 0, nil
	}

	removed := 0
	for _, h := range loose {
		if err := los.DeleteLooseObject(h); err != nil {
			return removed, fmt.Errorf("remove packed loose object %s: %w", h, err)
		}
		removed++
	}
	if !full {
		return removed, nil
	}

	pos, ok := a.repo.Storer.(storer.PackedObjectStorer)
	if !ok {
		return removed, nil
	}
	for _, h := range oldPacks {
		if h == newPack {
			continue
		}
		if err := pos.DeleteOldObjectPackAndIndex(h, time.Time{}); err != nil {
			return removed, fmt.Errorf("remove old pack %s: %w", h, err)
		}
		removed++
	}
	return removed, nil
}

func (a *Archive) looseObjects() ([]plumbing.Hash, error) {
	los, ok := a.repo.Storer.(storer.LooseObjectStorer)
	if !ok {
		return nil, nil
	}
	var hashes []plumbing.Hash
	err := los.ForEachObjectHash(func(h plumbing.Hash) error {
		hashes = append(hashes, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list loose objects of %s: %w", a.dir, err)
	}
	return hashes, nil
}

func (a *Archive) packs() ([]plumbing.Hash, error) {
	pos, ok := a.repo.Storer.(storer.PackedObjectStorer)
	if !ok {
		return nil, nil
	}
	packs, err := pos.ObjectPacks()
	if err != nil {
		return nil, fmt.Errorf("list packs of %s: %w", a.dir, err)
	}
	return packs, nil
}

// allObjects lists every object of the repository, loose or packed, once.
func (a *Archive) allObjects() ([]plumbing.Hash, error) {
	iter, err := a.repo.Storer.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		return nil, fmt.Errorf("list objects of %s: %w", a.dir, err)
	}
	seen := map[plumbing.Hash]bool{}
	var hashes []plumbing.Hash
	err = iter.ForEach(func(o plumbing.EncodedObject) error {
		if h := o.Hash(); !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list objects of %s: %w", a.dir, err)
	}
	return hashes, nil
}
