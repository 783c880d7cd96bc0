package archive

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// historyFixture is an archive with three commits around the turn of 2027
// in Martinique: A on 2026-12-30, B on 2026-12-31 at 23:30 -04:00 (already
// 2027-01-01 in UTC) and C on 2027-01-02.
type historyFixture struct {
	a       *Archive
	A, B, C *Commit
}

func newHistory(t *testing.T) historyFixture {
	t.Helper()

	mq := martinique(t)
	a := mustOpen(t)
	f := historyFixture{a: a}

	f.A, _ = mustCommit(t, a, Files{"v": []byte("1")}, "A", time.Date(2026, 12, 30, 12, 0, 0, 0, mq))
	f.B, _ = mustCommit(t, a, Files{"v": []byte("2")}, "B", time.Date(2026, 12, 31, 23, 30, 0, 0, mq))
	f.C, _ = mustCommit(t, a, Files{"v": []byte("3")}, "C", time.Date(2027, 1, 2, 8, 0, 0, 0, mq))

	return f
}

func TestResolve(t *testing.T) {
	f := newHistory(t)
	mq := martinique(t)

	tests := []struct {
		rev  string
		loc  *time.Location
		want string
	}{
		{"HEAD", nil, f.C.Hash},
		{"HEAD~0", nil, f.C.Hash},
		{"HEAD~", nil, f.B.Hash},
		{"HEAD~1", nil, f.B.Hash},
		{"HEAD~2", nil, f.A.Hash},
		{f.A.Hash, nil, f.A.Hash},
		{strings.ToUpper(f.B.Hash), nil, f.B.Hash},
		{f.B.Hash[:12], nil, f.B.Hash},
		{"2026-12-30", mq, f.A.Hash},
		{"2026-12-31", mq, f.B.Hash},
		{"2027-01-01", mq, f.B.Hash},
		{"2027-01-02", mq, f.C.Hash},
		{"2030-06-01", mq, f.C.Hash},
		{"2026-12-31", time.UTC, f.A.Hash},
		{"2027-01-01", time.UTC, f.B.Hash},
	}

	for _, tt := range tests {
		name := tt.rev
		if tt.loc != nil {
			name += " " + tt.loc.String()
		}

		t.Run(name, func(t *testing.T) {
			got, err := f.a.Resolve(tt.rev, tt.loc)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got != tt.want {
				t.Errorf("Resolve = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestResolveNotFound(t *testing.T) {
	f := newHistory(t)

	tests := []struct {
		name string
		rev  string
	}{
		{"before first commit", "2026-12-29"},
		{"beyond root", "HEAD~3"},
		{"negative ancestor", "HEAD~-1"},
		{"unknown hash", "0000000000000000000000000000000000000000"},
		{"unknown abbreviation", unusedPrefix(t, f)},
		{"too short", f.A.Hash[:3]},
		{"invalid date", "2026-13-01"},
		{"branch name", "main"},
		{"empty", ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.a.Resolve(tt.rev, martinique(t))
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Resolve error = %v, want ErrNotFound", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.rev)) {
				t.Errorf("error %q does not name %q", err, tt.rev)
			}
		})
	}
}

// unusedPrefix returns a 4-digit prefix that no commit of f starts with.
func unusedPrefix(t *testing.T, f historyFixture) string {
	t.Helper()

	for i := range 0x10000 {
		p := fmt.Sprintf("%04x", i)
		used := strings.HasPrefix(f.A.Hash, p) || strings.HasPrefix(f.B.Hash, p) ||
			strings.HasPrefix(f.C.Hash, p)
		if !used {
			return p
		}
	}

	t.Fatal("every 4-digit prefix is used")
	return ""
}

func TestResolveEmpty(t *testing.T) {
	a := mustOpen(t)

	_, err := a.Resolve("HEAD", nil)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve error = %v, want ErrNotFound", err)
	}
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("Resolve error = %v, want ErrEmpty", err)
	}
}

func TestResolveAmbiguous(t *testing.T) {
	a := mustOpen(t)
	first, _ := mustCommit(t, a, Files{"v": []byte("1")}, "first", t0)
	prefix := first.Hash[:4]

	// Search a message that gives the second commit the same 4-digit
	// prefix. About 65,536 tries are expected, each hashed in memory.
	base, err := a.baseCommit()
	if err != nil {
		t.Fatal(err)
	}
	next := Files{"v": []byte("2")}
	message := findMessage(t, base, next, prefix)

	second, _ := mustCommit(t, a, next, message, t0.Add(time.Hour))
	if !strings.HasPrefix(second.Hash, prefix) {
		t.Fatalf("second commit %s does not start with %s", second.Hash, prefix)
	}

	_, err = a.Resolve(prefix, nil)
	if !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("Resolve(%q) error = %v, want ErrAmbiguous", prefix, err)
	}
	if !strings.Contains(err.Error(), first.Hash[:12]) || !strings.Contains(err.Error(), second.Hash[:12]) {
		t.Errorf("error %q does not list both commits", err)
	}

	got, err := a.Resolve(first.Hash[:20], nil)
	if err != nil || got != first.Hash {
		t.Errorf("Resolve(20 digits) = %s, %v, want %s", got, err, first.Hash)
	}
}

func findMessage(t *testing.T, base *object.Commit, files Files, prefix string) string {
	t.Helper()

	tree, err := buildTree(files)
	if err != nil {
		t.Fatal(err)
	}

	for i := range 5_000_000 {
		opt, err := CommitOptions{Message: fmt.Sprintf("second %d", i), When: t0.Add(time.Hour)}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}

		obj, err := encodeCommit(base, tree.root.object.Hash(), opt)
		if err != nil {
			t.Fatal(err)
		}

		if strings.HasPrefix(obj.Hash().String(), prefix) {
			return opt.Message
		}
	}

	t.Fatalf("no message gives a commit hash starting with %s", prefix)
	return ""
}

func TestLog(t *testing.T) {
	requireGit(t)
	f := newHistory(t)

	log, err := f.a.Log()
	if err != nil {
		t.Fatalf("Log: %v", err)
	}

	want := []*Commit{f.C, f.B, f.A}
	if len(log) != len(want) {
		t.Fatalf("len(Log) = %d, want %d", len(log), len(want))
	}

	for i, w := range want {
		if !sameCommit(log[i], *w) {
			t.Errorf("Log[%d] = %+v, want %+v", i, log[i], *w)
		}
	}

	if log[0].Parent != f.B.Hash || log[2].Parent != "" {
		t.Errorf("parents = %q, %q, want %q, \"\"", log[0].Parent, log[2].Parent, f.B.Hash)
	}

	gitLog := strings.Fields(runGit(t, f.a.Dir(), "log", "--format=%H"))
	for i, w := range want {
		if i >= len(gitLog) || gitLog[i] != w.Hash {
			t.Errorf("git log = %v, want %s at %d", gitLog, w.Hash, i)
		}
	}
}

// sameCommit compares commits field by field. When must be the same
// instant with the same zone offset.
func sameCommit(x, y Commit) bool {
	_, xOffset := x.When.Zone()
	_, yOffset := y.When.Zone()

	return x.Hash == y.Hash && x.When.Equal(y.When) && xOffset == yOffset &&
		x.Subject == y.Subject && x.Message == y.Message && x.Parent == y.Parent
}

func TestLogEmpty(t *testing.T) {
	a := mustOpen(t)

	log, err := a.Log()
	if err != nil {
		t.Fatalf("Log: %v", err)
	}
	if len(log) != 0 {
		t.Errorf("len(Log) = %d, want 0", len(log))
	}
}

func TestLogSince(t *testing.T) {
	f := newHistory(t)

	tests := []struct {
		name      string
		since     string
		want      []string
		wantFound bool
	}{
		{"empty since", "", []string{f.C.Hash, f.B.Hash, f.A.Hash}, true},
		{"root", f.A.Hash, []string{f.C.Hash, f.B.Hash}, true},
		{"head", f.C.Hash, nil, true},
		{"not on main", strings.Repeat("ab", 20), []string{f.C.Hash, f.B.Hash, f.A.Hash}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, found, err := f.a.LogSince(tt.since)
			if err != nil {
				t.Fatalf("LogSince: %v", err)
			}
			var got []string
			for _, c := range log {
				got = append(got, c.Hash)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("LogSince hashes = %v, want %v", got, tt.want)
			}
			if found != tt.wantFound {
				t.Errorf("LogSince found = %v, want %v", found, tt.wantFound)
			}
		})
	}
}

func TestHeadHash(t *testing.T) {
	f := newHistory(t)
	got, err := f.a.HeadHash()
	if err != nil {
		t.Fatalf("HeadHash: %v", err)
	}
	if got != f.C.Hash {
		t.Errorf("HeadHash = %s, want %s", got, f.C.Hash)
	}

	_, err = mustOpen(t).HeadHash()
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("HeadHash of an empty archive: %v, want ErrEmpty", err)
	}
}
