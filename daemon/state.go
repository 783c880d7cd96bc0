package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/statefile"
)

// maxEvents is the number of operator events kept, newest first.
const maxEvents = 50

// Run statuses as /healthz and the state file write them.
const (
	statusOK     = "ok"
	statusFailed = "failed"
	statusNever  = "never_run"
	// statusAwaiting is a run whose crawl lost much of HEAD at once, so
	// it committed nothing and the next run confirms or replaces the drop.
	statusAwaiting = "awaiting_confirmation"
)

// runState is the memory of the daemon across restarts: the outcome of the
// last run, the failure streak behind the alerts, and the operator events
// of /feed-operateur.atom.
type runState struct {
	LastRun time.Time `json:"last_run,omitzero"`
	Status  string    `json:"status"`
	Error   string    `json:"error,omitempty"`
	Commit  string    `json:"commit,omitempty"`
	// LastSuccess is the start of the last run whose snapshot is in the
	// archive, committed or unchanged. A run that held a drop back does
	// not count.
	LastSuccess time.Time `json:"last_success,omitzero"`

	// Failures counts the consecutive failed runs, and Alerted is true
	// once the alert for the current streak went out.
	Failures int  `json:"consecutive_failures"`
	Alerted  bool `json:"alerted"`

	Events []feed.OperatorEvent `json:"operator_events"`
}

// stateStore keeps runState in memory and in a JSON file, replaced
// atomically at each change.
type stateStore struct {
	path string
	mu   sync.Mutex
	s    runState
}

func openState(path string) (*stateStore, error) {
	st := &stateStore{path: path, s: runState{Status: statusNever}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read daemon state: %w", err)
	}
	if err := json.Unmarshal(data, &st.s); err != nil {
		return nil, fmt.Errorf("read daemon state %s: %w: fix or remove the file "+
			"(it holds only the last run and the alert streak)", path, err)
	}
	return st, nil
}

// get returns a copy of the state.
func (st *stateStore) get() runState {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.s
	s.Events = append([]feed.OperatorEvent(nil), st.s.Events...)
	return s
}

// update applies change and writes the file.
func (st *stateStore) update(change func(s *runState)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	change(&st.s)
	if len(st.s.Events) > maxEvents {
		st.s.Events = st.s.Events[:maxEvents]
	}
	return writeAtomic(st.path, st.s)
}

// writeAtomic writes v as JSON so that a crash leaves the old or the new
// state.
func writeAtomic(path string, v any) error {
	if err := statefile.WriteJSON(path, v); err != nil {
		return fmt.Errorf("save daemon state: %w", err)
	}
	return nil
}
