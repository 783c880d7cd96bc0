package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/export"
	"github.com/collecte-cacem/collecte/snapshot"
)

const thursdayKey = "fort-de-france_balata_absalon"

// exportArchive commits two small snapshots and returns the archive
// directory with the files of each commit, oldest first. In the second
// snapshot the address collects packaging on odd-week Thursdays.
func exportArchive(t *testing.T) (string, []archive.Files) {
	t.Helper()
	dir := t.TempDir()
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	addr := snapshot.Address{Key: thursdayKey, ID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "=Absalon"}
	first := &snapshot.Snapshot{Addresses: []snapshot.Address{addr}, Rules: []snapshot.Rule{
		{Key: thursdayKey, Flux: "OM", Day: time.Wednesday, Weeks: snapshot.Every},
	}}
	second := &snapshot.Snapshot{Addresses: []snapshot.Address{addr}, Rules: []snapshot.Rule{
		{Key: thursdayKey, Flux: "OM", Day: time.Wednesday, Weeks: snapshot.Every},
		{Key: thursdayKey, Flux: "RS", Day: time.Thursday, Weeks: snapshot.Odd},
	}}

	var all []archive.Files
	when := time.Date(2026, 11, 2, 6, 0, 0, 0, martinique())
	for i, s := range []*snapshot.Snapshot{first, second} {
		files, err := snapshot.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		opt := archive.CommitOptions{Message: "snapshot", When: when.AddDate(0, 0, 7*i)}
		if _, _, err := a.Commit(files, opt); err != nil {
			t.Fatalf("commit snapshot %d: %v", i, err)
		}
		all = append(all, files)
	}
	return dir, all
}

func TestExportCSV(t *testing.T) {
	dir, files := exportArchive(t)
	tests := []struct {
		name string
		args []string
		want []byte
	}{
		{"head", nil, files[1][snapshot.RulesPath]},
		{"previous", []string{"HEAD~1"}, files[0][snapshot.RulesPath]},
		{"date", []string{"2026-11-03"}, files[0][snapshot.RulesPath]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"export", "--archive", dir}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != string(tt.want) {
				t.Errorf("stdout = %q, want %q", stdout, tt.want)
			}
		})
	}
}

func TestExportCSVExcel(t *testing.T) {
	dir, files := exportArchive(t)
	code, stdout, stderr := runCLI(t, "export", "--archive", dir, "--format", "csv-excel")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, err := export.ExcelCSV(files[1][snapshot.RulesPath])
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if !strings.Contains(stdout, ";'=Absalon;") {
		t.Errorf("stdout %q does not neutralise the name =Absalon", stdout)
	}
}

func TestExportOutputDir(t *testing.T) {
	dir, files := exportArchive(t)
	tests := []struct {
		format string
		paths  []string
	}{
		{"csv", []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath, snapshot.PackagePath}},
		{"csv-excel", []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dataset")
			code, _, stderr := runCLI(t, "export", "--archive", dir, "--format", tt.format, "--output", out)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, p := range tt.paths {
				got, err := os.ReadFile(filepath.Join(out, p))
				if err != nil {
					t.Fatalf("read %s: %v", p, err)
				}
				want := files[1][p]
				if tt.format == "csv-excel" {
					want, _ = export.ExcelCSV(want)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
			if _, err := os.Stat(filepath.Join(out, snapshot.PackagePath)); tt.format == "csv-excel" && err == nil {
				t.Error("csv-excel wrote datapackage.json, whose dialect does not describe its files")
			}
		})
	}
}

func TestExportJSON(t *testing.T) {
	dir, _ := exportArchive(t)
	code, stdout, stderr := runCLI(t, "export", "--archive", dir, "--format", "json", "HEAD~1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Commit   string `json:"commit"`
		Date     time.Time
		Adresses []struct {
			Key       string            `json:"adresse_key"`
			Collectes []json.RawMessage `json:"collectes"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("decode: %v\n%s", err, stdout)
	}
	if len(doc.Commit) != 40 {
		t.Errorf("commit = %q, want a full hash", doc.Commit)
	}
	if got := doc.Date.Format(time.DateOnly); got != "2026-11-02" {
		t.Errorf("date = %s, want 2026-11-02, the time of the first commit", got)
	}
	if len(doc.Adresses) != 1 || len(doc.Adresses[0].Collectes) != 1 {
		t.Errorf("adresses = %+v, want one address with one stream in the first snapshot", doc.Adresses)
	}
}

func TestExportICSYearBoundary(t *testing.T) {
	dir, _ := exportArchive(t)
	code, stdout, stderr := runCLI(t, "export", "--archive", dir, "--format", "ics", "--adresse", thursdayKey,
		"--flux", "RS", "--from", "2026-12-14", "--to", "2027-01-20")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"DTSTART;VALUE=DATE:20261217", "DTSTART;VALUE=DATE:20261231", "DTSTART;VALUE=DATE:20270107"} {
		if !strings.Contains(stdout, want+"\r\n") {
			t.Errorf("calendar lacks %s", want)
		}
	}
	for _, wrong := range []string{"20261224", "20270114", "RRULE"} {
		if strings.Contains(stdout, wrong) {
			t.Errorf("calendar holds %s", wrong)
		}
	}
	if n := strings.Count(stdout, "BEGIN:VEVENT"); n != 3 {
		t.Errorf("events = %d, want 3", n)
	}
}

func TestExportErrors(t *testing.T) {
	dir, _ := exportArchive(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown key", []string{"--format", "ics", "--adresse", "x_y_z"}, exitError, `"x_y_z" not found`},
		{"unknown key hint", []string{"--format", "ics", "--adresse", "x_y_z"}, exitError, "data/adresses.csv"},
		{"stream not collected", []string{"--format", "ics", "--adresse", thursdayKey, "--flux", "DV", "HEAD~1"},
			exitError, `stream "DV"`},
		{"ics without key", []string{"--format", "ics"}, exitUsage, "needs --adresse"},
		{"key with csv", []string{"--adresse", thursdayKey}, exitUsage, "apply only to --format ics"},
		{"output with json", []string{"--format", "json", "--output", t.TempDir()}, exitUsage, "--output applies only"},
		{"bad format", []string{"--format", "xlsx"}, exitUsage, `invalid --format "xlsx"`},
		{"bad date", []string{"--format", "ics", "--adresse", thursdayKey, "--from", "31/12/2026"}, exitUsage, "YYYY-MM-DD"},
		{"reversed range", []string{"--format", "ics", "--adresse", thursdayKey, "--from", "2027-01-02", "--to", "2027-01-01"},
			exitUsage, "invalid --to 2027-01-01: it is before --from 2027-01-02"},
		{"unknown revision", []string{"HEAD~5"}, exitError, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"export", "--archive", dir}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
		})
	}
}
