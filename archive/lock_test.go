package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lockHelperEnv names the archive directory that TestLockHelperProcess
// locks when the test binary runs as a helper process.
const lockHelperEnv = "ARCHIVE_LOCK_HELPER_DIR"

func TestLockInProcess(t *testing.T) {
	a := mustOpen(t)

	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}

	other, err := Open(a.Dir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	_, err = other.Lock()
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Lock error = %v, want *LockedError", err)
	}
	if locked.PID != os.Getpid() {
		t.Errorf("PID = %d, want %d", locked.PID, os.Getpid())
	}
	if !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Errorf("error %q does not name PID %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), locked.Path) || !strings.HasPrefix(locked.Path, a.Dir()) {
		t.Errorf("error %q, path %q: want the lock file inside %s", err, locked.Path, a.Dir())
	}

	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}

	unlockOther, err := other.Lock()
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := unlockOther(); err != nil {
		t.Errorf("unlock: %v", err)
	}
}

func TestLockOtherProcess(t *testing.T) {
	a := mustOpen(t)

	// The timeout only guards against a hung helper.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+a.Dir())
	cmd.Stderr = os.Stderr

	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper output = %q, %v, want \"locked\\n\"", line, err)
	}

	_, err = a.Lock()
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Errorf("Lock error = %v, want *LockedError", err)
	} else if locked.PID != cmd.Process.Pid {
		t.Errorf("PID = %d, want the helper's %d", locked.PID, cmd.Process.Pid)
	}

	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}

	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("Lock after the helper exited: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("unlock: %v", err)
	}
}

// TestLockHelperProcess is not a test: TestLockOtherProcess runs the test
// binary with lockHelperEnv set, and this function then holds the lock
// until its standard input closes.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("runs only as a helper process")
	}

	a, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	unlock, err := a.Lock()
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	fmt.Println("locked")

	_, _ = io.Copy(io.Discard, os.Stdin)

	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}
