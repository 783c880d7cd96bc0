package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// stateVersion is the format version of the state file.
const stateVersion = 1

// The status of a delivery.
const (
	statusSent    = "sent"
	statusPending = "pending"
	statusGaveUp  = "gave_up"
)

// state is the content of the state file.
type state struct {
	Version int `json:"version"`
	// Watchers maps a lowercased e-mail address to its progress.
	Watchers map[string]*watcherState `json:"watchers"`
	// Deliveries maps "HASH EMAIL" to the delivery of one commit to one
	// watcher. Only commits with changes the watcher follows have one.
	Deliveries map[string]*delivery `json:"deliveries"`
}

// watcherState is where a watcher stands in the history of main.
type watcherState struct {
	// Since is the newest commit up to which every message is sent or
	// needs none; "" means the start of the history. A new watcher starts
	// at the HEAD of the time it was first seen.
	Since string    `json:"since"`
	Added time.Time `json:"added"`
}

// delivery is one message, sent or waiting for its next try.
type delivery struct {
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	NextTry   time.Time `json:"next_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

func deliveryKey(hash, email string) string {
	return hash + " " + strings.ToLower(email)
}

// loadState reads the state file, or returns an empty state when the file
// does not exist yet.
func loadState(path string) (*state, error) {
	s := &state{Version: stateVersion, Watchers: map[string]*watcherState{}, Deliveries: map[string]*delivery{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read notify state: %w", err)
	}

	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("decode notify state %s: %w (move the file aside to start over: watchers would then miss the changes until now)", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("notify state %s has version %d, want %d", path, s.Version, stateVersion)
	}
	if s.Watchers == nil {
		s.Watchers = map[string]*watcherState{}
	}
	if s.Deliveries == nil {
		s.Deliveries = map[string]*delivery{}
	}
	return s, nil
}

// save writes the state atomically: a temporary file in the same directory,
// fsync, rename over path, then fsync of the directory, so a crash leaves
// either the old or the new state, never a mix.
func (s *state) save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode notify state: %w", err)
	}
	data = append(data, '\n')

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write notify state: %w", err)
	}
	defer os.Remove(tmp.Name())

	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write notify state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync notify state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close notify state %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace notify state %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open state directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state directory %s: %w", dir, err)
	}
	return nil
}
