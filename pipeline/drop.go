package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
	"github.com/collecte-cacem/collecte/statefile"
)

// DropShare is the share of HEAD's addresses whose sudden disappearance
// needs a second crawl to confirm it.
const DropShare = 0.10

// pendingName is the file, in the archive directory, that records a drop
// awaiting confirmation between two runs.
const pendingName = "collecte-pending.json"

// pendingDrop is a sudden drop seen by one crawl and not yet confirmed.
type pendingDrop struct {
	Head     string    `json:"head"`
	Reason   string    `json:"reason"`
	Detected time.Time `json:"detected"`
}

// suddenDrop describes how next lost much of prev, or returns "". A drop is
// more than DropShare of the addresses gone, or every rule of a stream gone.
func suddenDrop(prev, next *snapshot.Snapshot) string {
	gone := 0
	for _, a := range prev.Addresses {
		if _, ok := next.Address(a.Key); !ok {
			gone++
		}
	}
	if n := len(prev.Addresses); n > 0 && float64(gone) > DropShare*float64(n) {
		return fmt.Sprintf("%d of %d addresses gone", gone, n)
	}

	still := map[string]bool{}
	for _, code := range next.Streams() {
		still[code] = true
	}
	for _, code := range prev.Streams() {
		if !still[code] {
			return fmt.Sprintf("every rule of stream %s gone", code)
		}
	}
	return ""
}

// confirmDrop reports whether a drop seen now was already seen by the
// previous run on the same HEAD. Otherwise it records the drop, so that the
// next run can confirm it.
func confirmDrop(dir, head, reason string, now time.Time) (bool, error) {
	path := filepath.Join(dir, pendingName)
	var pending pendingDrop
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if json.Unmarshal(data, &pending) == nil && pending.Head == head {
			return true, clearDrop(dir)
		}
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("read pending drop %s: %w", path, err)
	}

	pending = pendingDrop{Head: head, Reason: reason, Detected: now}
	return false, statefile.WriteJSON(path, pending)
}

// clearDrop removes the record of a pending drop: the crawl that followed it did not
// confirm it, or it was committed.
func clearDrop(dir string) error {
	err := os.Remove(filepath.Join(dir, pendingName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pending drop: %w", err)
	}
	return nil
}
