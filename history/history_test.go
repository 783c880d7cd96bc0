package history

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/history/historytest"
	"github.com/collecte-cacem/collecte/snapshot"
	bolt "go.etcd.io/bbolt"
)

// walked is one commit of main as a full walk reads it.
type walked struct {
	commit archive.Commit
	// report is nil for a commit without a report.
	report *diff.Report
}

// walk reads the report of every commit of main, newest first, as the
// commands did before the index.
func walk(t *testing.T, a *archive.Archive) []walked {
	t.Helper()
	commits, err := a.Log()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]walked, 0, len(commits))
	for _, c := range commits {
		w := walked{commit: c}
		data, err := a.ReadFile(c.Hash, diff.ReportJSONPath)
		switch {
		case errors.Is(err, archive.ErrNotFound):
		case err != nil:
			t.Fatal(err)
		default:
			r, err := diff.ReadJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			w.report = &r
		}
		out = append(out, w)
	}
	return out
}

// checkMatchesWalk compares the result of every query of the index with
// the walk.
func checkMatchesWalk(t *testing.T, ix *Index) {
	t.Helper()
	want := walk(t, ix.a)
	err := ix.View(func(r *Reader) error {
		checkCommits(t, r, want)
		checkReports(t, r, want)
		checkAddresses(t, r, want)
		checkFirstSnapshot(t, ix.a, r, want[len(want)-1].commit.Hash)
		checkCandidates(t, r, want)
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

func checkCommits(t *testing.T, r *Reader, want []walked) {
	t.Helper()
	got, err := r.Commits()
	if err != nil {
		t.Fatalf("Commits: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Commits returned %d commits, the walk %d", len(got), len(want))
	}
	noReport := 0
	for i, w := range want {
		c := w.commit
		c.Message = ""
		if !reflect.DeepEqual(got[i].Commit, c) {
			t.Errorf("commit %d = %+v, want %+v", i, got[i].Commit, c)
		}
		if got[i].When.String() != w.commit.When.String() {
			t.Errorf("commit %d time = %s, want %s", i, got[i].When, w.commit.When)
		}
		if got[i].HasReport != (w.report != nil) {
			t.Errorf("commit %d HasReport = %v, want %v", i, got[i].HasReport, w.report != nil)
		}
		if w.report == nil {
			noReport++
			continue
		}
		if !maps.Equal(got[i].Counts, w.report.Counts) {
			t.Errorf("commit %d counts = %v, want %v", i, got[i].Counts, w.report.Counts)
		}
	}
	if r.MissingReports() != noReport {
		t.Errorf("MissingReports = %d, want %d", r.MissingReports(), noReport)
	}

	for _, w := range want {
		c, ok, err := r.Find(w.commit.Hash)
		if err != nil || !ok || c.Hash != w.commit.Hash {
			t.Errorf("Find(%s) = %s, %v, %v", w.commit.Hash, c.Hash, ok, err)
		}
	}
}

func checkReports(t *testing.T, r *Reader, want []walked) {
	t.Helper()
	for i, w := range want {
		seq := len(want) - 1 - i
		got, err := r.Report(seq)
		if err != nil {
			t.Fatalf("Report(%d): %v", seq, err)
		}
		expected := diff.Report{}.Filter(func(diff.Change) bool { return true })
		if w.report != nil {
			expected = *w.report
		}
		if !reflect.DeepEqual(got, expected) {
			t.Errorf("Report(%d) differs from the archived report:\n got %+v\nwant %+v", seq, got, expected)
		}
	}
}

// checkAddresses compares the history of every key that a report
// mentions with the changes of that key in each report, newest first.
func checkAddresses(t *testing.T, r *Reader, want []walked) {
	t.Helper()
	keys := map[string]bool{"no-such_key_at-all": true}
	for _, w := range want {
		if w.report == nil {
			continue
		}
		for _, c := range w.report.Changes {
			keys[c.AdresseKey] = true
		}
	}

	for key := range keys {
		var expected []AddressChanges
		for _, w := range want {
			if w.report == nil {
				continue
			}
			own := w.report.Filter(func(c diff.Change) bool { return c.AdresseKey == key })
			if len(own.Changes) > 0 {
				expected = append(expected, AddressChanges{Changes: own.Changes})
				expected[len(expected)-1].Commit.Hash = w.commit.Hash
			}
		}

		got, err := r.Address(key)
		if err != nil {
			t.Fatalf("Address(%q): %v", key, err)
		}
		if len(got) != len(expected) {
			t.Errorf("Address(%q) has %d commits, want %d", key, len(got), len(expected))
			continue
		}
		for i := range got {
			if got[i].Commit.Hash != expected[i].Commit.Hash {
				t.Errorf("Address(%q)[%d] commit = %s, want %s", key, i, got[i].Commit.Hash, expected[i].Commit.Hash)
			}
			if !reflect.DeepEqual(got[i].Changes, expected[i].Changes) {
				t.Errorf("Address(%q)[%d] changes = %+v, want %+v", key, i, got[i].Changes, expected[i].Changes)
			}
		}
	}
}

func checkFirstSnapshot(t *testing.T, a *archive.Archive, r *Reader, first string) {
	t.Helper()
	s, err := readSnapshot(a, first)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.FirstSnapshot()
	if err != nil {
		t.Fatalf("FirstSnapshot: %v", err)
	}
	if !reflect.DeepEqual(got, s.Addresses) {
		t.Errorf("FirstSnapshot has %d addresses, the first snapshot %d", len(got), len(s.Addresses))
	}
	for _, addr := range s.Addresses {
		if !r.InFirstSnapshot(addr.Key) {
			t.Errorf("InFirstSnapshot(%q) = false, want true", addr.Key)
		}
	}
	if r.InFirstSnapshot("no-such_key_at-all") {
		t.Error("InFirstSnapshot of an unknown key = true, want false")
	}
}

// selections are the feed filters that checkCandidates tries.
var selections = []diff.Selection{
	{Communes: []string{"fort-de-france"}},
	{Communes: []string{"fort de france"}},
	{Quartiers: []string{"Hyper Centre Ville"}, Flux: []string{"om"}},
	{Communes: []string{"Schœlcher"}},
	{Communes: []string{"SCHOELCHER"}, Flux: []string{"rs"}},
	{Quartiers: []string{"Cœur Bouliki"}},
	{Quartiers: []string{"acajou"}, Flux: []string{"DV", "dechets_dangereux"}},
	{Adresses: []string{historytest.CollidingKey}},
	{Adresses: []string{historytest.ReturningKey}, Flux: []string{"OM"}},
	{Adresses: []string{historytest.StreamKey}, Communes: []string{"LE LAMENTIN"}},
	{Adresses: []string{"no-such_key_at-all"}},
	{Flux: []string{"om"}},
	{Flux: []string{"RS", "DEEE"}},
	{Communes: []string{"Nowhere"}},
}

// checkCandidates checks that every commit with a change that a selection
// matches is a candidate of that selection.
func checkCandidates(t *testing.T, r *Reader, want []walked) {
	t.Helper()
	for _, sel := range selections {
		got, err := r.Candidates(sel)
		if err != nil {
			t.Fatalf("Candidates(%+v): %v", sel, err)
		}
		if !slices.IsSortedFunc(got, func(a, b int) int { return b - a }) {
			t.Errorf("Candidates(%+v) = %v, want newest first", sel, got)
		}
		matched := 0
		for i, w := range want {
			seq := len(want) - 1 - i
			if w.report == nil || len(w.report.Select(sel).Changes) == 0 {
				continue
			}
			matched++
			if !slices.Contains(got, seq) {
				t.Errorf("Candidates(%+v) lacks commit %d, which has a matching change", sel, seq)
			}
		}
		t.Logf("selection %+v: %d candidates, %d commits match", sel, len(got), matched)
	}
}

func TestIndexMatchesWalk(t *testing.T) {
	g := historytest.Build(t, 14, historytest.Options{Seed: 1, WithoutReport: []int{7}, WithoutManifest: []int{10}})
	ix := New(g.Archive, nil)

	checkMatchesWalk(t, ix)
}

func TestManifestFigures(t *testing.T) {
	g := historytest.Build(t, 12, historytest.Options{Seed: 2, WithoutManifest: []int{10}})
	ix := New(g.Archive, nil)

	err := ix.View(func(r *Reader) error {
		for seq := range r.Len() {
			c, err := r.Commit(seq)
			if err != nil {
				return err
			}
			data, err := g.Archive.ReadFile(c.Hash, snapshot.ManifestPath)
			if seq == 10 {
				if c.Manifest.Present || !errors.Is(err, archive.ErrNotFound) {
					t.Errorf("commit 10 manifest = %+v, read error %v; want absent", c.Manifest, err)
				}
				continue
			}
			m, err := snapshot.DecodeManifest(data)
			if err != nil {
				return err
			}
			want := Manifest{Present: true, Valid: true, Addresses: m.Addresses, Rules: m.Rules, Missing: m.Missing}
			if c.Manifest != want {
				t.Errorf("commit %d manifest = %+v, want %+v", seq, c.Manifest, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestScriptedHistory(t *testing.T) {
	g := historytest.Build(t, 11, historytest.Options{Seed: 3})
	ix := New(g.Archive, nil)

	kinds := func(entries []AddressChanges) []string {
		var out []string
		for _, e := range entries {
			for _, c := range e.Changes {
				if c.Kind == diff.KindAddressAdded || c.Kind == diff.KindAddressRemoved ||
					c.Kind == diff.KindCollectionMissing || c.Kind == diff.KindCollectionAdded {
					out = append(out, fmt.Sprintf("%d:%s", e.Commit.Seq, c.Kind))
				}
			}
		}
		return out
	}
	tests := []struct {
		key  string
		want []string
	}{
		{historytest.CollidingKey, []string{"6:address_added", "3:address_removed"}},
		{historytest.ReturningKey, []string{"8:address_added", "4:address_removed"}},
		{historytest.StreamKey, []string{"9:collection_added", "5:collection_missing"}},
	}
	err := ix.View(func(r *Reader) error {
		for _, tt := range tests {
			entries, err := r.Address(tt.key)
			if err != nil {
				return err
			}
			if got := kinds(entries); !slices.Equal(got, tt.want) {
				t.Errorf("Address(%q) kinds = %v, want %v", tt.key, got, tt.want)
			}
			if !r.InFirstSnapshot(tt.key) {
				t.Errorf("InFirstSnapshot(%q) = false, want true", tt.key)
			}
		}
		if !r.InFirstSnapshot(historytest.OtherCollidingKey) {
			t.Errorf("InFirstSnapshot(%q) = false, want true", historytest.OtherCollidingKey)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpdateAddsNewCommits(t *testing.T) {
	g := historytest.Build(t, 5, historytest.Options{Seed: 4})
	ix := New(g.Archive, nil)
	first, err := ix.Update()
	if err != nil {
		t.Fatal(err)
	}
	if first.Added != 5 || !first.Rebuilt {
		t.Errorf("first Update = %+v, want 5 commits added from scratch", first)
	}

	for range 6 {
		g.Next(t)
	}
	second, err := ix.Update()
	if err != nil {
		t.Fatal(err)
	}
	if second.Added != 6 || second.Rebuilt {
		t.Errorf("second Update = %+v, want 6 commits added to the index", second)
	}
	third, err := ix.Update()
	if err != nil {
		t.Fatal(err)
	}
	if third.Added != 0 || third.Rebuilt {
		t.Errorf("Update of a current index = %+v, want nothing done", third)
	}
	checkMatchesWalk(t, ix)
}

func TestViewUpdatesLazily(t *testing.T) {
	g := historytest.Build(t, 4, historytest.Options{Seed: 5})
	ix := New(g.Archive, nil)
	checkMatchesWalk(t, ix)

	g.Next(t)
	g.Next(t)
	err := ix.View(func(r *Reader) error {
		if r.Len() != 6 || r.Head() != g.Hashes[5] {
			t.Errorf("View sees %d commits up to %s, want 6 up to %s", r.Len(), r.Head(), g.Hashes[5])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRebuildWhenHeadNotOnMain(t *testing.T) {
	old := historytest.Build(t, 6, historytest.Options{Seed: 6})
	if _, err := New(old.Archive, nil).Update(); err != nil {
		t.Fatal(err)
	}
	other := historytest.Build(t, 4, historytest.Options{Seed: 7})
	copyFile(t, New(old.Archive, nil).Path(), New(other.Archive, nil).Path())

	ix := New(other.Archive, nil)
	stats, err := ix.Update()
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Rebuilt || stats.Added != 4 {
		t.Errorf("Update of another archive's index = %+v, want a rebuild of 4 commits", stats)
	}
	checkMatchesWalk(t, ix)
}

func TestRebuildOtherSchema(t *testing.T) {
	g := historytest.Build(t, 4, historytest.Options{Seed: 8})
	ix := New(g.Archive, nil)
	tamper(t, ix, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaSchema, []byte{schemaVersion + 1})
	})

	stats, err := ix.Update()
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Rebuilt || stats.Added != 4 {
		t.Errorf("Update of an index of another schema = %+v, want a rebuild of 4 commits", stats)
	}
	checkMatchesWalk(t, ix)
}

func TestRebuildCorruptFile(t *testing.T) {
	for _, content := range []string{"", "not a bbolt file", string(make([]byte, 3*4096))} {
		t.Run(fmt.Sprintf("%d bytes", len(content)), func(t *testing.T) {
			g := historytest.Build(t, 3, historytest.Options{Seed: 9})
			ix := New(g.Archive, nil)
			if err := os.WriteFile(ix.Path(), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			checkMatchesWalk(t, ix)
		})
	}
}

func TestCorruptValueRemovesIndex(t *testing.T) {
	g := historytest.Build(t, 3, historytest.Options{Seed: 10})
	ix := New(g.Archive, nil)
	tamper(t, ix, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCommits).Put(seqKey(1), []byte{0xff})
	})

	err := ix.View(func(r *Reader) error {
		_, err := r.Commits()
		return err
	})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("View over a corrupt record: %v, want ErrUnavailable", err)
	}
	if _, err := os.Stat(ix.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("corrupt index still in place: %v", err)
	}
	checkMatchesWalk(t, ix)
}

func TestNotWritableFallsBack(t *testing.T) {
	g := historytest.Build(t, 3, historytest.Options{Seed: 11})
	ix := New(g.Archive, nil)
	ix.openFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if flag&(os.O_RDWR|os.O_WRONLY) != 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return os.OpenFile(name, flag, perm)
	}

	err := ix.View(func(*Reader) error { return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("View without an index in a read-only directory: %v, want ErrUnavailable", err)
	}
	if _, err := os.Stat(ix.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("index file created in a read-only directory: %v", err)
	}

	if _, err := New(g.Archive, nil).Update(); err != nil {
		t.Fatal(err)
	}
	if err := ix.View(func(*Reader) error { return nil }); err != nil {
		t.Errorf("View of a current index in a read-only directory: %v", err)
	}
	g.Next(t)
	err = ix.View(func(*Reader) error { return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("View of a stale index in a read-only directory: %v, want ErrUnavailable", err)
	}
}

func TestLockedIndexFallsBack(t *testing.T) {
	g := historytest.Build(t, 2, historytest.Options{Seed: 12})
	ix := New(g.Archive, nil)
	if _, err := ix.Update(); err != nil {
		t.Fatal(err)
	}
	// A writable open takes the exclusive lock, as an update in another
	// process does.
	db, err := bolt.Open(ix.Path(), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	err = ix.View(func(*Reader) error { return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("View of a locked index: %v, want ErrUnavailable", err)
	}
}

func TestEmptyArchiveUnavailable(t *testing.T) {
	g := historytest.New(t, historytest.Options{})
	err := New(g.Archive, nil).View(func(*Reader) error { return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("View of an empty archive: %v, want ErrUnavailable", err)
	}
}

func TestViewReturnsCallerError(t *testing.T) {
	g := historytest.Build(t, 2, historytest.Options{Seed: 13})
	sentinel := errors.New("caller error")
	err := New(g.Archive, nil).View(func(*Reader) error { return sentinel })
	if !errors.Is(err, sentinel) || errors.Is(err, ErrUnavailable) {
		t.Errorf("View = %v, want the caller's error as it is", err)
	}
}

// tamper brings the index of ix up to date, then changes it with fn in a
// write transaction.
func tamper(t *testing.T, ix *Index, fn func(*bolt.Tx) error) {
	t.Helper()
	if _, err := ix.Update(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(ix.Path(), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(fn)
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuilderMatchesWalk(t *testing.T) {
	g := historytest.Build(t, 10, historytest.Options{Seed: 14, WithoutReport: []int{4}, WithoutManifest: []int{0}})
	ix := New(g.Archive, nil)
	if err := os.WriteFile(ix.Path(), []byte("old index"), 0o644); err != nil {
		t.Fatal(err)
	}

	b, err := ix.NewBuilder()
	if err != nil {
		t.Fatal(err)
	}
	commits, err := g.Archive.Log()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range slices.Backward(commits) {
		files, err := g.Archive.Read(c.Hash, "")
		if err != nil {
			t.Fatal(err)
		}
		s, err := snapshot.Decode(files)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Add(c, files, s); err != nil {
			t.Fatalf("Add %s: %v", c.Hash, err)
		}
	}
	n, err := b.Finish()
	if err != nil || n != 10 {
		t.Fatalf("Finish = %d, %v; want 10 commits", n, err)
	}

	stats, err := ix.Update()
	if err != nil || stats.Added != 0 || stats.Rebuilt {
		t.Errorf("Update after Finish = %+v, %v; want nothing to do", stats, err)
	}
	checkMatchesWalk(t, ix)
}

func TestBuilderRejectsGap(t *testing.T) {
	g := historytest.Build(t, 3, historytest.Options{Seed: 15})
	ix := New(g.Archive, nil)
	b, err := ix.NewBuilder()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	commits, err := g.Archive.Log()
	if err != nil {
		t.Fatal(err)
	}

	files, err := g.Archive.Read(commits[0].Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(commits[0], files, nil); err != nil {
		t.Fatalf("Add buffers the commit: %v", err)
	}
	if _, err := b.Finish(); err == nil {
		t.Error("Finish of an index that starts with the last commit: no error")
	}
	if _, err := os.Stat(ix.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("index in place after a failed build: %v", err)
	}
}

// TestConcurrentViews runs queries from several goroutines while commits
// are added and indexed, as the web view does beside the pipeline.
func TestConcurrentViews(t *testing.T) {
	g := historytest.Build(t, 3, historytest.Options{Seed: 16})
	ix := New(g.Archive, nil)
	done := make(chan struct{})
	errs := make(chan error, 4)

	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				err := New(g.Archive, nil).View(func(r *Reader) error {
					commits, err := r.Commits()
					if err == nil && (len(commits) != r.Len() || commits[0].Hash != r.Head()) {
						err = fmt.Errorf("%d commits up to %s for an index of %d up to %s",
							len(commits), commits[0].Hash, r.Len(), r.Head())
					}
					return err
				})
				if err != nil && !errors.Is(err, ErrUnavailable) {
					errs <- err
					return
				}
			}
		}()
	}
	for range 5 {
		g.Next(t)
		if _, err := ix.Update(); err != nil && !errors.Is(err, ErrUnavailable) {
			t.Errorf("Update: %v", err)
		}
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("View: %v", err)
		}
	}
	checkMatchesWalk(t, ix)
}
