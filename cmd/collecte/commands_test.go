package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/snapshot"
)

func TestDemoRefusesNonEmptyDirectory(t *testing.T) {
	dir := demoArchive(t)
	_, before, _ := runCLI(t, "log", "--archive", dir)

	code, _, stderr := runCLI(t, "demo", "--archive", dir)
	if code != exitError {
		t.Errorf("demo on an archive: exit %d, want %d", code, exitError)
	}
	if !strings.Contains(stderr, dir+" is not empty") || !strings.Contains(stderr, "leave out --archive") {
		t.Errorf("stderr does not name the directory and the next step:\n%s", stderr)
	}
	if _, after, _ := runCLI(t, "log", "--archive", dir); after != before {
		t.Errorf("demo changed the archive:\nbefore\n%s\nafter\n%s", before, after)
	}

	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "demo", "--archive", other); code != exitError {
		t.Errorf("demo on a directory with a file: exit %d, want %d", code, exitError)
	}
}

func TestReadOnlyCommandsNeverCreateArchive(t *testing.T) {
	empty := t.TempDir()
	notGit := t.TempDir()
	if err := os.WriteFile(filepath.Join(notGit, "data.csv"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "archive.txt")
	if err := os.WriteFile(file, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	targets := []struct {
		name, dir, want string
	}{
		{"empty directory", empty, empty + " is an empty directory"},
		{"directory without git", notGit, notGit + " is not a git repository"},
		{"regular file", file, file + " is a file, not a directory"},
	}
	commands := [][]string{{"log"}, {"verify"}, {"diff"}, {"missing"}, {"export"}, {"serve", "--listen", "127.0.0.1:0"},
		{"replay", "--rev", "HEAD", "--listen", "127.0.0.1:0"}}
	for _, target := range targets {
		for _, command := range commands {
			t.Run(target.name+"/"+command[0], func(t *testing.T) {
				args := append(append([]string{}, command...), "--archive", target.dir)
				code, _, stderr := runCLI(t, args...)
				if code != exitError {
					t.Errorf("exit = %d, want %d", code, exitError)
				}
				if !strings.Contains(stderr, target.want) {
					t.Errorf("stderr lacks %q:\n%s", target.want, stderr)
				}
			})
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("read-only commands wrote %d entries into an empty directory", len(entries))
	}
}

func TestLogAddressKeyNormalised(t *testing.T) {
	dir := demoArchive(t)
	_, want, _ := runCLI(t, "log", "--archive", dir, "--adresse", "fort-de-france_balata_absalon")
	for _, key := range []string{"Fort-de-France_BALATA_Absalon", " fort-de-france_balata_absalon ", "FORT DE FRANCE_Balata_Absalon"} {
		code, got, stderr := runCLI(t, "log", "--archive", dir, "--adresse", key)
		if code != exitOK {
			t.Errorf("log --adresse %q: exit %d: %s", key, code, stderr)
		}
		if got != want {
			t.Errorf("log --adresse %q:\n%s\nwant the history of fort-de-france_balata_absalon:\n%s", key, got, want)
		}
	}

	code, stdout, _ := runCLI(t, "log", "--archive", dir, "--adresse", "Nulle-Part_X_Y")
	if code != exitOK {
		t.Errorf("unknown key: exit %d, want 0", code)
	}
	for _, want := range []string{`no snapshot mentions address "Nulle-Part_X_Y" (read as "nulle-part_x_y")`, "data/adresses.csv", "search"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("unknown key: stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestLogJSONDatesRFC3339(t *testing.T) {
	dir := demoArchive(t)
	code, stdout, stderr := runCLI(t, "log", "--archive", dir, "--format", "json")
	if code != exitOK {
		t.Fatalf("log exit %d: %s", code, stderr)
	}
	var entries []struct {
		Date string `json:"date"`
	}
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("entries = %d, want the 2 snapshots of the demo", len(entries))
	}
	for _, e := range entries {
		when, err := time.Parse(time.RFC3339, e.Date)
		if err != nil {
			t.Errorf("date %q is not RFC 3339: %v", e.Date, err)
			continue
		}
		if _, offset := when.Zone(); offset != -4*3600 {
			t.Errorf("date %q has offset %d s, want -04:00", e.Date, offset)
		}
	}
}

func TestShortHashRevision(t *testing.T) {
	dir, _ := exportArchive(t)
	for _, args := range [][]string{{"diff", "e66"}, {"export", "e66"}, {"missing", "abc"}} {
		code, _, stderr := runCLI(t, append(args, "--archive", dir)...)
		if code != exitError {
			t.Errorf("%q: exit %d, want %d", args, code, exitError)
		}
		if !strings.Contains(stderr, "an abbreviated commit hash needs at least 4 hex digits") {
			t.Errorf("%q: stderr = %q, want the minimum length", args, stderr)
		}
	}
}

func TestVerifyCountsInWords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := snapshot.Encode(&snapshot.Snapshot{Addresses: []snapshot.Address{
		{Key: thursdayKey, Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A commit with neither crawl.json nor reports gives one problem.
	if _, _, err := a.Commit(files, archive.CommitOptions{Message: "snapshot"}); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runCLI(t, "verify", "--archive", dir)
	if code != exitError {
		t.Errorf("exit = %d, want %d", code, exitError)
	}
	if !strings.Contains(stderr, "verification failed: 1 problem in 1 commit of "+dir) {
		t.Errorf("stderr = %q, want the counts in the singular", stderr)
	}

	code, stdout, _ := runCLI(t, "verify", "--archive", demoArchive(t))
	if code != exitOK || !strings.Contains(stdout, "ok: 2 commits verified") {
		t.Errorf("verify of the demo: exit %d, stdout %q", code, stdout)
	}
}

func TestReplayCaptureNotAnObject(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "passages.json")
	if err := os.WriteFile(capture, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "replay", "--capture", capture, "--listen", "127.0.0.1:0")
	if code != exitError {
		t.Errorf("exit = %d, want %d", code, exitError)
	}
	if !strings.Contains(stderr, "the file contains a JSON array, want an object") {
		t.Errorf("stderr = %q, want what was expected in plain words", stderr)
	}
	if strings.Contains(stderr, "Go value") || strings.Contains(stderr, "struct {") {
		t.Errorf("stderr = %q names a Go type", stderr)
	}
}

func TestExportStreamAnyCase(t *testing.T) {
	dir, _ := exportArchive(t)
	args := []string{"export", "--archive", dir, "--format", "ics", "--from", "2026-12-14", "--to", "2027-01-20"}
	_, want, _ := runCLI(t, append(args, "--adresse", thursdayKey, "--flux", "RS")...)
	for _, flux := range []string{"rs", " Rs "} {
		code, got, stderr := runCLI(t, append(args, "--adresse", strings.ToUpper(thursdayKey), "--flux", flux)...)
		if code != exitOK {
			t.Errorf("--flux %q: exit %d: %s", flux, code, stderr)
			continue
		}
		if stripStamps(got) != stripStamps(want) || !strings.Contains(got, "CATEGORIES:RS") {
			t.Errorf("--flux %q gave another calendar than --flux RS", flux)
		}
	}
}

// stripStamps removes the DTSTAMP lines, which contain the time of the run.
func stripStamps(ics string) string {
	var out []string
	for _, line := range strings.Split(ics, "\r\n") {
		if !strings.HasPrefix(line, "DTSTAMP:") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\r\n")
}

func TestExportURLEscaped(t *testing.T) {
	dir, _ := exportArchive(t)
	code, stdout, stderr := runCLI(t, "export", "--archive", dir, "--format", "ics", "--adresse", thursdayKey,
		"--url", `http://x/a b"<>?q=c d`)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "\r\nURL:http://x/a%20b%22%3C%3E?q=c%20d\r\n") {
		t.Errorf("calendar lacks the escaped URL:\n%.600s", stdout)
	}
	for _, raw := range []string{`a b`, `"<>`, "c d"} {
		if strings.Contains(stdout, raw) {
			t.Errorf("calendar holds %q unescaped", raw)
		}
	}
}
