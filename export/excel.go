// Package export renders snapshots as files for reuse outside the archive:
// a spreadsheet-friendly CSV variant and one JSON document of every address
// with its schedule. The archive's own CSV files stay as snapshot.Encode
// writes them, faithful to the source.
package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// bom is the UTF-8 byte order mark. Excel reads a CSV file that starts
// with it as UTF-8, and may read one without it in the system's code page.
const bom = "\uFEFF"

// formulaTriggers are the first characters that make a spreadsheet read a
// cell as a formula, per the OWASP CSV injection guidance: =, +, -, @, tab
// and carriage return. Line feed is added for the same reason as carriage
// return.
const formulaTriggers = "=+-@\t\r\n"

// WriteExcelCSV writes records as a CSV file for spreadsheet programs. It is
// UTF-8 with a byte order mark, and its separator is ";", the list separator
// of French locales, where "," is the decimal mark. Lines end in CRLF, line
// breaks inside a cell too. Every cell that a spreadsheet could run as a
// formula gets a leading apostrophe (see Neutralise).
func WriteExcelCSV(w io.Writer, records [][]string) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("write excel csv: %w", err)
	}

	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	cell := []string{}
	for _, rec := range records {
		cell = cell[:0]
		for _, v := range rec {
			cell = append(cell, Neutralise(v))
		}
		if err := cw.Write(cell); err != nil {
			return fmt.Errorf("write excel csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write excel csv: %w", err)
	}
	return nil
}

// ExcelCSV converts a canonical CSV file of the archive (RFC 4180, ","
// separator) into the spreadsheet variant that WriteExcelCSV writes.
func ExcelCSV(canonical []byte) ([]byte, error) {
	r := csv.NewReader(bytes.NewReader(canonical))
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read canonical csv: %w", err)
	}

	var buf bytes.Buffer
	if err := WriteExcelCSV(&buf, records); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Neutralise returns cell with a leading apostrophe when a spreadsheet
// would read it as a formula: its first character, or its first character
// after leading spaces, is one of = + - @ tab CR LF. Any other cell is
// returned unchanged. NOTE: the apostrophe becomes part of the value for a
// program that does not read it as a text marker.
func Neutralise(cell string) string {
	trimmed := strings.TrimLeft(cell, " ")
	if trimmed != "" && strings.ContainsRune(formulaTriggers, rune(trimmed[0])) {
		return "'" + cell
	}
	return cell
}
