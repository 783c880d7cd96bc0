package history

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/history/historytest"
	bolt "go.etcd.io/bbolt"
)

// childEnv names the archive that the test binary indexes when it runs as
// the child of TestKilledUpdate.
const childEnv = "COLLECTE_HISTORY_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// runChild indexes the archive in dir one commit per transaction, printing
// the position of each commit as it is added and pausing briefly so that
// the parent's kill lands while the update runs.
func runChild(dir string) int {
	a, err := archive.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	batchSize = 1
	testHookAdded = func(seq int) {
		fmt.Println(seq)
		time.Sleep(time.Millisecond)
	}
	if _, err := New(a, nil).Update(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestKilledUpdate kills an update of the index with SIGKILL after a
// random number of commits, checks that the file left behind opens and
// holds a consistent prefix of the history, and that the next update
// completes it with the same results as the walk.
func TestKilledUpdate(t *testing.T) {
	const commits = 40
	g := historytest.Build(t, commits, historytest.Options{Seed: 20, WithoutReport: []int{17}})
	ix := New(g.Archive, nil)
	rng := rand.New(rand.NewPCG(20, 20))

	for round := range 5 {
		if err := os.Remove(ix.Path()); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		target := 1 + rng.IntN(commits-2)
		delay := time.Duration(rng.IntN(3000)) * time.Microsecond
		killAfter(t, g.Archive.Dir(), target, delay)

		count := checkPrefix(t, ix.Path(), g.Hashes)
		t.Logf("round %d: killed %s after commit %d was added, %d commits committed", round, delay, target, count)
		if count >= commits {
			t.Errorf("round %d: the update finished before the kill", round)
		}
		checkMatchesWalk(t, ix)
	}
}

// killAfter runs the child on dir and kills it delay after it has added
// the commit at position target, so that the kill lands in the middle of a
// transaction, during its commit, or between two of them.
func killAfter(t *testing.T, dir string, target int, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if seq, _ := strconv.Atoi(lines.Text()); seq >= target {
			break
		}
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// checkPrefix opens the index left by a killed update and checks that it
// covers the first commits of hashes, oldest first, with the head it
// records. It returns the number of commits covered.
func checkPrefix(t *testing.T, path string, hashes []string) int {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return 0
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("index left by a killed update does not open: %v", err)
	}
	defer db.Close()

	var count int
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return nil
		}
		r := &Reader{tx: tx}
		st, err := readState(tx)
		r.st, count = st, st.count
		if err != nil || count == 0 {
			return err
		}
		if st.head != hashes[count-1] {
			t.Errorf("recorded head %s, want commit %d %s", st.head, count-1, hashes[count-1])
		}
		recs, err := r.Commits()
		if err != nil {
			return err
		}
		for i, c := range recs {
			if c.Hash != hashes[count-1-i] {
				t.Errorf("indexed commit %d = %s, want %s", count-1-i, c.Hash, hashes[count-1-i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("index left by a killed update: %v", err)
	}
	return count
}
