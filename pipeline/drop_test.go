package pipeline

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
)

// Address counts of the communes of the 2021 capture, out of 2,141: each
// commune alone is more than DropShare of them.
const (
	fortDeFrance2021 = 995
	lamentin2021     = 567
)

// withoutCommunes returns a copy of l without the addresses of the named
// communes.
func withoutCommunes(l *replay.Legacy, names ...string) *replay.Legacy {
	out := l.Clone()
	communes := map[int]bool{}
	for _, c := range out.Communes {
		if slices.Contains(names, c.Name) {
			communes[c.ID] = true
		}
	}
	quartiers := map[int]bool{}
	for _, q := range out.Quartiers {
		if communes[q.CommuneID] {
			quartiers[q.ID] = true
		}
	}
	out.Adresses = slices.DeleteFunc(out.Adresses, func(a replay.LegacyAdresse) bool { return quartiers[a.QuartierID] })
	return out
}

// TestDropConfirmedOnlyBySameLoss crawls a first drop, then a second crawl
// that loses other addresses, then the second drop again. Only the third
// crawl may commit, and it commits the second drop alone.
func TestDropConfirmedOnlyBySameLoss(t *testing.T) {
	tests := []struct {
		name         string
		first, again []string
		wantRemoved  int
	}{
		{"other commune", []string{"FORT-DE-FRANCE"}, []string{"LAMENTIN"}, lamentin2021},
		{"superset", []string{"LAMENTIN"}, []string{"LAMENTIN", "FORT-DE-FRANCE"}, lamentin2021 + fortDeFrance2021},
		{"subset", []string{"LAMENTIN", "FORT-DE-FRANCE"}, []string{"LAMENTIN"}, lamentin2021},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			original := legacy2021(t)
			sw, url := site(t, original.Handler())
			a := openArchive(t)
			first := mustRun(t, a, crawler.SourceLegacy, url)

			sw.Set(withoutCommunes(original, tt.first...).Handler())
			res := mustRun(t, a, crawler.SourceLegacy, url)
			if res.Awaiting == "" || res.Replaced != nil {
				t.Fatalf("first drop: awaiting=%q replaced=%v, want awaiting and nothing replaced", res.Awaiting, res.Replaced)
			}

			sw.Set(withoutCommunes(original, tt.again...).Handler())
			res = mustRun(t, a, crawler.SourceLegacy, url)
			if res.Awaiting == "" || res.Changed {
				t.Fatalf("other drop: awaiting=%q changed=%v, want it held back", res.Awaiting, res.Changed)
			}
			if res.Replaced == nil || res.Replaced.Reason == res.Drop.Reason {
				t.Errorf("other drop: replaced=%+v, want the first drop", res.Replaced)
			}
			if got := headHash(t, a); got != first.Commit.Hash {
				t.Fatalf("HEAD moved to %s on a drop seen once", got)
			}

			res = mustRun(t, a, crawler.SourceLegacy, url)
			if res.Awaiting != "" || !res.Changed {
				t.Fatalf("same drop again: awaiting=%q changed=%v, want a commit", res.Awaiting, res.Changed)
			}
			if got := res.Report.Counts[diff.KindAddressRemoved]; got != tt.wantRemoved {
				t.Errorf("addresses removed = %d, want %d", got, tt.wantRemoved)
			}
			if _, err := os.Stat(filepath.Join(a.Dir(), PendingFile)); !os.IsNotExist(err) {
				t.Errorf("pending drop still recorded after the commit: %v", err)
			}
		})
	}
}

// TestPendingFileListsLoss checks the record of a held-back drop: its
// version, HEAD and the exact addresses and streams lost.
func TestPendingFileListsLoss(t *testing.T) {
	original := legacy2021(t)
	sw, url := site(t, original.Handler())
	a := openArchive(t)
	first := mustRun(t, a, crawler.SourceLegacy, url)

	sw.Set(withoutCommunes(original, "LAMENTIN").Handler())
	res := mustRun(t, a, crawler.SourceLegacy, url)
	if res.Awaiting == "" {
		t.Fatal("the drop was not held back")
	}

	data, err := os.ReadFile(filepath.Join(a.Dir(), PendingFile))
	if err != nil {
		t.Fatal(err)
	}
	var got pendingFile
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("decode %s: %v", PendingFile, err)
	}
	if got.Version != pendingVersion || got.Head != first.Commit.Hash {
		t.Errorf("version %d head %s, want %d and %s", got.Version, got.Head, pendingVersion, first.Commit.Hash)
	}
	if len(got.Addresses) != lamentin2021 || len(got.Streams) != 0 {
		t.Errorf("lost %d addresses and streams %v, want %d and none", len(got.Addresses), got.Streams, lamentin2021)
	}
	for _, key := range got.Addresses {
		if a, ok := first.Snapshot.Address(key); !ok || a.Commune != "LAMENTIN" {
			t.Errorf("lost address %s is not a LAMENTIN address of HEAD", key)
		}
	}
	want := []CommuneLoss{{Commune: "LAMENTIN", Lost: lamentin2021, Total: lamentin2021}}
	if !slices.Equal(got.Communes, want) {
		t.Errorf("communes = %+v, want %+v", got.Communes, want)
	}
}

// testDrop returns a sudden drop of head that lost the given addresses
// out of 10.
func testDrop(head string, addresses ...string) Drop {
	return Drop{Head: head, Reason: "test", HeadAddresses: 10, Addresses: addresses, Streams: []string{}}
}

func TestConfirmDrop(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name          string
		pending       string // content of PendingFile; "" for none
		wantConfirmed bool
		wantReplaced  bool
	}{
		{"nothing pending", "", false, false},
		{"same loss", `{"version":1,"head":"h1","lost_addresses":["a","b"],"lost_streams":[]}`, true, false},
		{"other addresses", `{"version":1,"head":"h1","lost_addresses":["a","c"],"lost_streams":[]}`, false, true},
		{"subset", `{"version":1,"head":"h1","lost_addresses":["a"],"lost_streams":[]}`, false, true},
		{"superset", `{"version":1,"head":"h1","lost_addresses":["a","b","c"],"lost_streams":[]}`, false, true},
		{"also a stream", `{"version":1,"head":"h1","lost_addresses":["a","b"],"lost_streams":["ENC"]}`, false, true},
		{"other HEAD", `{"version":1,"head":"h0","lost_addresses":["a","b"],"lost_streams":[]}`, false, false},
		{"older format", `{"head":"h1","reason":"2 of 10 addresses gone","detected":"2026-12-04T06:00:00Z"}`, false, true},
		{"corrupt", `{"head":`, false, false},
		{"newer version", `{"version":99,"head":"h1","lost_addresses":["a","b"],"lost_streams":[]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, PendingFile)
			if tt.pending != "" {
				if err := os.WriteFile(path, []byte(tt.pending), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			d := testDrop("h1", "a", "b")
			d.Detected = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
			confirmed, replaced, err := confirmDrop(dir, d, log)
			if err != nil {
				t.Fatal(err)
			}
			if confirmed != tt.wantConfirmed {
				t.Errorf("confirmed = %v, want %v", confirmed, tt.wantConfirmed)
			}
			if got := replaced != nil; got != tt.wantReplaced {
				t.Errorf("replaced = %+v, want one: %v", replaced, tt.wantReplaced)
			}

			pending, err := ReadPending(dir)
			switch {
			case err != nil:
				t.Errorf("read the record after confirmDrop: %v", err)
			case confirmed && pending != nil:
				t.Errorf("record after a confirmation = %+v, want none", pending)
			case !confirmed && (pending == nil || !pending.same(d) || !pending.Detected.Equal(d.Detected)):
				t.Errorf("record after a new drop = %+v, want %+v", pending, d)
			}
		})
	}
}

func TestMeasureDrop(t *testing.T) {
	prev := &snapshot.Snapshot{
		Addresses: []snapshot.Address{
			{Key: "a_q_1", Commune: "A"}, {Key: "a_q_2", Commune: "A"}, {Key: "b_q_1", Commune: "B"},
		},
		Rules: []snapshot.Rule{{Key: "a_q_1", Flux: "OM"}, {Key: "b_q_1", Flux: "ENC"}},
	}
	next := &snapshot.Snapshot{
		Addresses: []snapshot.Address{{Key: "a_q_1", Commune: "A"}, {Key: "b_q_1", Commune: "B"}},
		Rules:     []snapshot.Rule{{Key: "a_q_1", Flux: "OM"}},
	}

	d := measureDrop(prev, next)
	if !slices.Equal(d.Addresses, []string{"a_q_2"}) || !slices.Equal(d.Streams, []string{"ENC"}) {
		t.Errorf("lost %v and %v, want [a_q_2] and [ENC]", d.Addresses, d.Streams)
	}
	if want := "1 of 3 addresses gone; every rule of stream ENC gone"; d.Reason != want {
		t.Errorf("reason = %q, want %q", d.Reason, want)
	}
	if want := []CommuneLoss{{Commune: "A", Lost: 1, Total: 2}}; !slices.Equal(d.Communes, want) {
		t.Errorf("communes = %+v, want %+v", d.Communes, want)
	}
	if !d.sudden() {
		t.Error("a stream gone is not a sudden drop")
	}
	if d := measureDrop(prev, prev); d.sudden() || d.Reason != "" {
		t.Errorf("no loss: sudden=%v reason=%q, want neither", d.sudden(), d.Reason)
	}
}
