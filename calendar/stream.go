package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/collecte-cacem/collecte/snapshot"
)

// ErrUnknownStream reports a stream code that is neither one of the five
// CACEM codes nor a code of the snapshot.
var ErrUnknownStream = errors.New("invalid stream code")

// knownStreams are the five CACEM stream codes, in the order of the
// files and reports.
var knownStreams = []string{
	snapshot.StreamHousehold, snapshot.StreamRecycling, snapshot.StreamBulky,
	snapshot.StreamGreen, snapshot.StreamAppliance,
}

// ParseStream returns code trimmed and in upper case, the form of stream
// codes, so "om" is "OM". The code must be one of the five CACEM codes or
// one of present, the codes of a snapshot as Snapshot.Streams returns them,
// which covers a stream that the site added later. Otherwise ParseStream
// returns ErrUnknownStream with the codes it accepts.
func ParseStream(code string, present []string) (string, error) {
	upper := strings.ToUpper(strings.TrimSpace(code))
	if snapshot.KnownStream(upper) || slices.Contains(present, upper) {
		return upper, nil
	}

	var others []string
	for _, p := range present {
		if !snapshot.KnownStream(p) {
			others = append(others, p)
		}
	}
	want := "a code present in the snapshot"
	if len(others) > 0 {
		want += " (" + strings.Join(others, ", ") + ")"
	}
	return "", fmt.Errorf("%w %q: want one of %s or %s",
		ErrUnknownStream, code, strings.Join(knownStreams, ", "), want)
}
