package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/statefile"
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

// save writes the state atomically, so a crash leaves either the old or
// the new state, never a mix.
func (s *state) save(path string) error {
	if err := statefile.WriteJSON(path, s); err != nil {
		return fmt.Errorf("save notify state: %w", err)
	}
	return nil
}
