package export

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n%s", golden, got)
	}
}

// hostileSnapshot holds names that a spreadsheet would run as formulas or
// that need quoting.
func hostileSnapshot() *snapshot.Snapshot {
	addrs := []snapshot.Address{
		{Key: "fort-de-france_balata_absalon", ID: "3", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon"},
		{Key: "fort-de-france_x_cmd", ID: "4", Commune: "FORT-DE-FRANCE", Quartier: "+33 quartier", Voie: `=HYPERLINK("http://x","clic")`},
		{Key: "le-lamentin_y_rue", ID: "", Commune: "Le Lamentin", Quartier: "-1+2", Voie: "@SUM(A1);\"quoted\"\nsecond line"},
		{Key: "schoelcher_z_tab", ID: "5", Commune: "Schœlcher", Quartier: "\tTAB", Voie: "  =1+1"},
	}
	rules := []snapshot.Rule{
		{Key: addrs[0].Key, Flux: "OM", Day: time.Wednesday, Weeks: snapshot.Every},
		{Key: addrs[0].Key, Flux: "RS", Day: time.Tuesday, Weeks: snapshot.Odd},
		{Key: addrs[1].Key, Flux: "OM", Day: time.Monday, Weeks: snapshot.Even},
		{Key: addrs[2].Key, Flux: "ENC", Day: time.Thursday, Weeks: snapshot.Odd},
	}
	return &snapshot.Snapshot{Addresses: addrs, Rules: rules}
}

func TestNeutralise(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Absalon", "Absalon"},
		{"=1+1", "'=1+1"},
		{"+33 quartier", "'+33 quartier"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tTAB", "'\tTAB"},
		{"\rCR", "'\rCR"},
		{"\nLF", "'\nLF"},
		{"  =1+1", "'  =1+1"},
		{"Saint-Joseph", "Saint-Joseph"},
		{"a=b", "a=b"},
		{"'déjà", "'déjà"},
		{"", ""},
		{"   ", "   "},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Neutralise(tt.in); got != tt.want {
				t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestExcelCSVGolden(t *testing.T) {
	files, err := snapshot.Encode(hostileSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	canonical := files[snapshot.RulesPath]
	got, err := ExcelCSV(canonical)
	if err != nil {
		t.Fatalf("ExcelCSV: %v", err)
	}
	checkGolden(t, "collectes-excel.csv", got)

	if !bytes.HasPrefix(got, []byte(bom)) {
		t.Error("excel csv does not start with a byte order mark")
	}
	if !bytes.Contains(canonical, []byte(`=HYPERLINK(`)) {
		t.Error("canonical csv lost the source spelling of a name starting with =")
	}
	if bytes.HasPrefix(canonical, []byte(bom)) || bytes.Contains(canonical, []byte("'=")) {
		t.Error("canonical csv was changed by the excel variant")
	}
}

// TestExcelCSVReadsBack parses the excel variant as a spreadsheet would and
// checks every cell against the canonical file.
func TestExcelCSVReadsBack(t *testing.T) {
	files, err := snapshot.Encode(hostileSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath} {
		t.Run(p, func(t *testing.T) {
			want, err := csv.NewReader(bytes.NewReader(files[p])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			out, err := ExcelCSV(files[p])
			if err != nil {
				t.Fatalf("ExcelCSV: %v", err)
			}
			checkExcelLines(t, out)

			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(bom))))
			r.Comma = ';'
			got, err := r.ReadAll()
			if err != nil {
				t.Fatalf("read excel csv back: %v", err)
			}
			compareCells(t, got, want)
		})
	}
}

// checkExcelLines checks that every line break outside a quoted cell is
// CRLF.
func checkExcelLines(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Error("excel csv does not end in CRLF")
	}
	if n := bytes.Count(out, []byte("\n")) - bytes.Count(out, []byte("\r\n")); n != 0 {
		t.Errorf("excel csv holds %d bare LF, want CRLF only", n)
	}
}

func compareCells(t *testing.T, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rows = %d, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			// encoding/csv reads a CRLF inside a quoted cell as LF.
			w := want[i][j]
			if Neutralise(w) != w {
				w = "'" + w
			}
			if got[i][j] != w {
				t.Errorf("row %d cell %d = %q, want %q", i, j, got[i][j], w)
			}
		}
	}
}

func TestExcelCSVInvalidInput(t *testing.T) {
	if _, err := ExcelCSV([]byte("a,b\n\"unterminated\n")); err == nil {
		t.Error("ExcelCSV accepted a broken CSV file")
	}
}

// TestExcelCSVRealCapture converts the files of the September 2024
// snapshot, whose names include line breaks, and reads them back.
func TestExcelCSVRealCapture(t *testing.T) {
	files := encode(t, v1Snapshot(t))
	for _, p := range []string{snapshot.AddressesPath, snapshot.RulesPath, snapshot.MissingPath} {
		t.Run(p, func(t *testing.T) {
			want, err := csv.NewReader(bytes.NewReader(files[p])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			out, err := ExcelCSV(files[p])
			if err != nil {
				t.Fatalf("ExcelCSV: %v", err)
			}
			checkExcelLines(t, out)

			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(bom))))
			r.Comma = ';'
			got, err := r.ReadAll()
			if err != nil {
				t.Fatalf("read excel csv back: %v", err)
			}
			compareCells(t, got, want)
		})
	}
}
