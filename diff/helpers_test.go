package diff

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/snapshot"
)

// itoa is strconv.Itoa, short for building test names and lines.
var itoa = strconv.Itoa

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares got with testdata/name, or rewrites the file when
// the -update flag is set.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden %s: %v", path, err)
		}
		return
	}

	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s: %v (run go test -update to create it)", path, err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// street describes one address of a test snapshot. Streams maps a stream
// code to its slots written as "Lundi Jeudi/paire Samedi/impaire".
type street struct {
	key, id, commune, quartier, voie string
	streams                          map[string]string
}

// mustSnapshot builds a snapshot from streets, with addresses and rules in
// the order the snapshot package sorts them.
func mustSnapshot(tb testing.TB, streets ...street) *snapshot.Snapshot {
	tb.Helper()
	s := &snapshot.Snapshot{Addresses: []snapshot.Address{}, Rules: []snapshot.Rule{}}
	for _, st := range streets {
		s.Addresses = append(s.Addresses, snapshot.Address{
			Key: st.key, ID: st.id, Commune: st.commune, Quartier: st.quartier, Voie: st.voie,
		})
		for flux, spec := range st.streams {
			for _, slot := range mustSlots(tb, spec) {
				s.Rules = append(s.Rules, snapshot.Rule{Key: st.key, Flux: flux, Day: slot.Day, Weeks: slot.Weeks})
			}
		}
	}
	return s
}

// mustSlots parses slots written as "Lundi Jeudi/paire Samedi/impaire".
func mustSlots(tb testing.TB, spec string) []snapshot.Slot {
	tb.Helper()
	var slots []snapshot.Slot
	for _, field := range strings.Fields(spec) {
		dayName, weeksName, found := strings.Cut(field, "/")
		day, ok := snapshot.ParseDay(dayName)
		if !ok {
			tb.Fatalf("invalid day %q in slots %q", dayName, spec)
		}
		weeks := snapshot.Every
		if found {
			if weeks, ok = snapshot.ParseWeeks(weeksName); !ok {
				tb.Fatalf("invalid weeks %q in slots %q", weeksName, spec)
			}
		}
		slots = append(slots, snapshot.Slot{Day: day, Weeks: weeks})
	}
	return slots
}

// absalon is a street of Fort-de-France used across the tests.
func absalon(streams map[string]string) street {
	return street{
		key: "fort-de-france/balata/absalon", id: "12",
		commune: "FORT-DE-FRANCE", quartier: "BALATA", voie: "Absalon",
		streams: streams,
	}
}
