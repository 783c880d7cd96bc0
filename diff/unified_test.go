package diff

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteUnifiedGolden(t *testing.T) {
	var a, b strings.Builder
	for i := 1; i <= 30; i++ {
		line := "ligne " + itoa(i) + "\n"
		a.WriteString(line)
		switch i {
		case 2:
			b.WriteString("ligne 2 modifiée\n")
		case 15:
			// deleted
		case 16:
			b.WriteString(line + "ajoutée après 16\n")
		default:
			b.WriteString(line)
		}
	}
	tests := []struct {
		name    string
		a, b    string
		context int
	}{
		{"unified.golden", a.String(), b.String(), 3},
		{"unified-context0.golden", a.String(), b.String(), 0},
		{"unified-nonewline.golden", "a\nb\nc", "a\nb\nd", 3},
		{"unified-crlf.golden", "a\r\nb\r\n", "x\r\na\r\nb\r\n", 3},
		{"unified-fromempty.golden", "", "a\nb\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteUnified(&out, "a/adresses.json", "b/adresses.json", Lines(tt.a, tt.b), tt.context); err != nil {
				t.Fatalf("WriteUnified: %v", err)
			}
			checkGolden(t, tt.name, out.String())
		})
	}
}

func TestWriteUnifiedNoChange(t *testing.T) {
	var out bytes.Buffer
	if err := WriteUnified(&out, "a", "b", Lines("x\ny\n", "x\ny\n"), 3); err != nil {
		t.Fatalf("WriteUnified: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("got %q, want no output for equal texts", out.String())
	}
}

func TestHunkRange(t *testing.T) {
	tests := []struct {
		before, count int
		want          string
	}{
		{0, 0, "0,0"}, {0, 1, "1"}, {0, 3, "1,3"}, {4, 0, "4,0"}, {4, 2, "5,2"},
	}
	for _, tt := range tests {
		if got := hunkRange(tt.before, tt.count); got != tt.want {
			t.Errorf("hunkRange(%d, %d): got %q, want %q", tt.before, tt.count, got, tt.want)
		}
	}
}

func TestSideBySide(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       []string
	}{
		{"pairs a replacement", "a\nb\nc\n", "a\nx\nc\n", []string{"a|a", "b|x", "c|c"}},
		{"more deletions", "a\nb\nc\nd\n", "a\nx\nd\n", []string{"a|a", "b|x", "c|", "d|d"}},
		{"more insertions", "a\n", "x\ny\na\n", []string{"|x", "|y", "a|a"}},
		{"empty", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, row := range SideBySide(Lines(tt.a, tt.b)) {
				got = append(got, sideText(row.Left)+"|"+sideText(row.Right))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSideBySideNumbers(t *testing.T) {
	rows := SideBySide(Lines("a\nb\n", "a\nc\n"))
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(rows))
	}
	if l, r := rows[1].Left, rows[1].Right; l.OldNumber != 2 || r.NewNumber != 2 || l.Op != Delete || r.Op != Insert {
		t.Errorf("row 2: got %+v | %+v, want old line 2 deleted beside new line 2 inserted", *l, *r)
	}
}

func sideText(l *Line) string {
	if l == nil {
		return ""
	}
	return strings.TrimSuffix(l.Text, "\n")
}
