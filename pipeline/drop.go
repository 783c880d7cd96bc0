package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/collecte-cacem/collecte/statefile"
)

// DropShare is the share of HEAD's addresses whose sudden disappearance
// needs a second crawl to confirm it.
const DropShare = 0.10

// PendingFile is the file, in the archive directory, that records a drop
// awaiting confirmation between two runs.
const PendingFile = "collecte-pending.json"

// pendingVersion is the format version of PendingFile. Version 1 added the
// lost addresses and streams. A file without a version, written by an older
// collecte, lists neither, so it never confirms a drop: the next crawl
// replaces it.
const pendingVersion = 1

// Drop is the loss that one crawl shows against HEAD: the addresses of
// HEAD that it lacks and the streams of HEAD left without any rule. A drop
// is sudden when it loses more than DropShare of HEAD's addresses or at
// least one stream, and a sudden drop is held back until a second crawl
// confirms it.
//
// The JSON names of Head, Reason and Detected are those that older
// versions of collecte read, so they can still read PendingFile.
type Drop struct {
	// Head is the commit whose snapshot the crawl was compared with.
	Head string `json:"head"`
	// Reason sums the drop up in one line, such as "1042 of 2450 addresses
	// gone".
	Reason string `json:"reason"`
	// Detected is the start of the crawl that saw the drop.
	Detected time.Time `json:"detected"`
	// HeadAddresses is the number of addresses at Head.
	HeadAddresses int `json:"head_addresses"`
	// Addresses are the adresse_key values of Head missing from the crawl,
	// sorted.
	Addresses []string `json:"lost_addresses"`
	// Streams are the stream codes of Head without any rule in the crawl,
	// sorted.
	Streams []string `json:"lost_streams"`
	// Communes counts the lost addresses of each commune that lost any, in
	// the order of Head's addresses.
	Communes []CommuneLoss `json:"communes,omitempty"`
}

// CommuneLoss is the part of a drop in one commune.
type CommuneLoss struct {
	Commune string `json:"commune"`
	Lost    int    `json:"lost"`
	// Total is the number of addresses of the commune at HEAD.
	Total int `json:"total"`
}

// pendingFile is the content of PendingFile.
type pendingFile struct {
	Version int `json:"version"`
	Drop
}

// measureDrop returns what next lost of prev, whether the loss is sudden
// or not.
func measureDrop(prev, next *snapshot.Snapshot) Drop {
	d := Drop{HeadAddresses: len(prev.Addresses), Addresses: []string{}, Streams: []string{}}
	index := map[string]int{}
	for _, a := range prev.Addresses {
		i, ok := index[a.Commune]
		if !ok {
			i = len(d.Communes)
			index[a.Commune] = i
			d.Communes = append(d.Communes, CommuneLoss{Commune: a.Commune})
		}
		d.Communes[i].Total++
		if _, ok := next.Address(a.Key); !ok {
			d.Addresses = append(d.Addresses, a.Key)
			d.Communes[i].Lost++
		}
	}
	d.Communes = slices.DeleteFunc(d.Communes, func(c CommuneLoss) bool { return c.Lost == 0 })
	slices.Sort(d.Addresses)

	still := map[string]bool{}
	for _, code := range next.Streams() {
		still[code] = true
	}
	for _, code := range prev.Streams() {
		if !still[code] {
			d.Streams = append(d.Streams, code)
		}
	}
	slices.Sort(d.Streams)
	d.Reason = d.reason()
	return d
}

// sudden reports whether the drop needs a second crawl to confirm it.
func (d Drop) sudden() bool {
	return len(d.Streams) > 0 || d.manyAddresses()
}

func (d Drop) manyAddresses() bool {
	return d.HeadAddresses > 0 && float64(len(d.Addresses)) > DropShare*float64(d.HeadAddresses)
}

// reason describes a sudden drop, or returns "" for a drop that is not.
func (d Drop) reason() string {
	var parts []string
	if d.manyAddresses() {
		parts = append(parts, fmt.Sprintf("%d of %d addresses gone", len(d.Addresses), d.HeadAddresses))
	}
	for _, code := range d.Streams {
		parts = append(parts, fmt.Sprintf("every rule of stream %s gone", code))
	}
	return strings.Join(parts, "; ")
}

// same reports whether d and o lost exactly the same addresses and streams
// of the same HEAD. A crawl that loses a strict subset or superset of a
// pending drop does not confirm it: the two crawls disagree on what is
// gone, so neither loss is trusted yet.
func (d Drop) same(o Drop) bool {
	return d.Head == o.Head && slices.Equal(d.Addresses, o.Addresses) && slices.Equal(d.Streams, o.Streams)
}

// ReadPending reads the drop awaiting confirmation in the archive
// directory dir, or returns nil when none is pending.
func ReadPending(dir string) (*Drop, error) {
	path := filepath.Join(dir, PendingFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pending drop %s: %w", path, err)
	}

	var f pendingFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode pending drop %s: %w", path, err)
	}
	if f.Version > pendingVersion {
		return nil, fmt.Errorf("pending drop %s has version %d, and this collecte reads up to %d",
			path, f.Version, pendingVersion)
	}
	return &f.Drop, nil
}

// confirmDrop reports whether the drop pending in dir is the same as d.
// When it is, it removes the record, so d is committed. Otherwise it
// records d as the pending drop and returns the one d replaces, if any: a
// pending drop of the same HEAD that lost something else. A record that
// cannot be read is logged and replaced, which is safe because only two
// crawls that agree commit a drop.
func confirmDrop(dir string, d Drop, log *slog.Logger) (bool, *Drop, error) {
	pending, err := ReadPending(dir)
	if err != nil {
		log.Warn("pending drop unreadable; the new drop replaces it", "error", err)
		pending = nil
	}
	if pending != nil && pending.same(d) {
		return true, nil, clearDrop(dir)
	}

	var replaced *Drop
	if pending != nil && pending.Head == d.Head {
		replaced = pending
	}
	path := filepath.Join(dir, PendingFile)
	if err := statefile.WriteJSON(path, pendingFile{Version: pendingVersion, Drop: d}); err != nil {
		return false, nil, fmt.Errorf("record pending drop: %w", err)
	}
	return false, replaced, nil
}

// clearDrop removes the record of a pending drop: the crawl that followed
// it did not see it again, or it was committed.
func clearDrop(dir string) error {
	err := os.Remove(filepath.Join(dir, PendingFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pending drop: %w", err)
	}
	return nil
}
