package diff

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// checkLines checks the properties every result of Lines must have: it
// rebuilds both texts, and numbers each side from 1 without gaps.
func checkLines(t *testing.T, a, b string, lines []Line) {
	t.Helper()
	var gotA, gotB strings.Builder
	oldNumber, newNumber := 0, 0
	for i, l := range lines {
		switch l.Op {
		case Equal:
			oldNumber++
			newNumber++
			gotA.WriteString(l.Text)
			gotB.WriteString(l.Text)
		case Delete:
			oldNumber++
			gotA.WriteString(l.Text)
		case Insert:
			newNumber++
			gotB.WriteString(l.Text)
		}
		wantOld, wantNew := oldNumber, newNumber
		if l.Op == Insert {
			wantOld = 0
		}
		if l.Op == Delete {
			wantNew = 0
		}
		if l.OldNumber != wantOld || l.NewNumber != wantNew {
			t.Fatalf("line %d (%v %q): numbers %d/%d, want %d/%d", i, l.Op, l.Text, l.OldNumber, l.NewNumber, wantOld, wantNew)
		}
		if l.Text == "" {
			t.Fatalf("line %d (%v) is empty", i, l.Op)
		}
	}
	if gotA.String() != a {
		t.Errorf("equal and deleted lines rebuild %q, want %q", gotA.String(), a)
	}
	if gotB.String() != b {
		t.Errorf("equal and inserted lines rebuild %q, want %q", gotB.String(), b)
	}
}

// opString writes lines compactly, such as "=a -b +c", for comparing.
func opString(lines []Line) string {
	marks := map[LineOp]string{Equal: "=", Delete: "-", Insert: "+"}
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = marks[l.Op] + strings.TrimRight(l.Text, "\r\n")
	}
	return strings.Join(parts, " ")
}

func TestLines(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"both empty", "", "", ""},
		{"from empty", "", "a\nb\n", "+a +b"},
		{"to empty", "a\nb\n", "", "-a -b"},
		{"identical", "a\nb\n", "a\nb\n", "=a =b"},
		{"middle changed", "a\nb\nc\n", "a\nx\nc\n", "=a -b +x =c"},
		{"insert at start", "b\nc\n", "a\nb\nc\n", "+a =b =c"},
		{"delete at end", "a\nb\nc\n", "a\nb\n", "=a =b -c"},
		{"no final newline kept", "a\nb", "a\nb\n", "=a -b +b"},
		{"no final newline both", "a\nb", "a\nc", "=a -b +c"},
		{"crlf lines", "a\r\nb\r\nc\r\n", "a\r\nx\r\nc\r\n", "=a -b +x =c"},
		{"crlf against lf", "a\r\nb\n", "a\nb\n", "-a +a =b"},
		{"empty lines", "\n\n\n", "\n\n", "= = -"},
		{"moved block", "a\nb\nc\nd\n", "c\nd\na\nb\n", "-a -b =c =d +a +b"},
		{"repeated lines", "x\nx\nx\n", "x\ny\nx\n", "=x -x +y =x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lines(tt.a, tt.b)
			checkLines(t, tt.a, tt.b, got)
			if s := opString(got); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

// numberedText returns count lines "prefix-N" from start, each ending in
// "\n".
func numberedText(prefix string, start, count int) string {
	var b strings.Builder
	for i := start; i < start+count; i++ {
		fmt.Fprintf(&b, "%s-%d\n", prefix, i)
	}
	return b.String()
}

// editEvery replaces every step-th line of text with an edited line.
func editEvery(text string, step int) (string, int) {
	lines := strings.SplitAfter(text, "\n")
	edits := 0
	for i := step / 2; i < len(lines)-1; i += step {
		lines[i] = "edited " + lines[i]
		edits++
	}
	return strings.Join(lines, ""), edits
}

func countOps(lines []Line) map[LineOp]int {
	counts := map[LineOp]int{}
	for _, l := range lines {
		counts[l.Op]++
	}
	return counts
}

func TestLinesLarge(t *testing.T) {
	base := numberedText("ligne", 0, 70_000) // past 65,535 and the surrogate range
	edited, edits := editEvery(base, 250)
	tests := []struct {
		name                  string
		a, b                  string
		equal, insert, delete int
	}{
		{"few edits", base, edited, 70_000 - edits, edits, edits},
		{"disjoint", numberedText("a", 0, 60_000), numberedText("b", 0, 60_000), 0, 60_000, 60_000},
		{"shifted halves", numberedText("x", 0, 60_000), numberedText("x", 30_000, 60_000), 30_000, 30_000, 30_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lines(tt.a, tt.b)
			checkLines(t, tt.a, tt.b, got)

			counts := countOps(got)
			if counts[Equal] != tt.equal || counts[Insert] != tt.insert || counts[Delete] != tt.delete {
				t.Errorf("equal/insert/delete: got %d/%d/%d, want %d/%d/%d",
					counts[Equal], counts[Insert], counts[Delete], tt.equal, tt.insert, tt.delete)
			}
		})
	}
}

func TestLinesShuffledRebuilds(t *testing.T) {
	a := numberedText("l", 0, 20_000)
	b := shuffledText(a) + "fin"
	checkLines(t, a, b, Lines(a, b))
	checkLines(t, b, a, Lines(b, a))
}

func TestLinesRepeatedStructure(t *testing.T) {
	// Pretty-printed records share their brace lines, so no gap has a
	// unique line and go-diff receives only the repeated ones.
	record := func(prefix string, i int) string {
		return fmt.Sprintf("  {\n    \"VOIE\": \"%s %d\",\n    \"FLUX\": \"OM\"\n  },\n", prefix, i)
	}
	var a, b strings.Builder
	for i := range 5_000 {
		a.WriteString(record("Rue", i))
		b.WriteString(record("Chemin", i))
	}

	got := Lines(a.String(), b.String())
	checkLines(t, a.String(), b.String(), got)
	if counts := countOps(got); counts[Equal] != 3*5_000 {
		t.Errorf("equal lines: got %d, want %d (the shared brace and FLUX lines)", counts[Equal], 3*5_000)
	}
}

func TestLinesDeterministic(t *testing.T) {
	a := numberedText("l", 0, 2_000) + "x\nx\ny\n"
	b, _ := editEvery(a, 7)
	first := opString(Lines(a, b))
	for range 3 {
		if again := opString(Lines(a, b)); again != first {
			t.Fatal("two runs of Lines on the same texts differ")
		}
	}
}

func TestGoDiffLineRunesDistinct(t *testing.T) {
	// Lines relies on go-diff v1.4.5 mapping each distinct line to its own
	// valid rune past 65,535 lines, skipping the surrogate range.
	text := numberedText("l", 0, 70_000)
	runes, _, lineArray := diffmatchpatch.New().DiffLinesToRunes(text, "")

	if len(runes) != 70_000 || len(lineArray) != 70_001 {
		t.Fatalf("got %d runes and %d lines, want 70000 and 70001", len(runes), len(lineArray))
	}
	seen := map[rune]bool{}
	for i, r := range runes {
		if !utf8.ValidRune(r) || seen[r] {
			t.Fatalf("line %d: rune %U is invalid or reused", i, r)
		}
		seen[r] = true
	}
	if back := []rune(string(runes)); len(back) != len(runes) {
		t.Errorf("runes do not survive a string round trip: %d, want %d", len(back), len(runes))
	}
}

func TestLongestIncreasing(t *testing.T) {
	pairs := []pair{{0, 3}, {1, 1}, {2, 4}, {3, 2}, {4, 5}, {5, 0}}
	got := longestIncreasing(pairs)
	want := []pair{{1, 1}, {3, 2}, {4, 5}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzLines(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nx\nc\n")
	f.Add("a\r\nb", "b\r\na")
	f.Add("", "x")
	f.Add("x\nx\nx\n", "x\n\nx")
	f.Add("\xff\n", "\xfe\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		checkLines(t, a, b, Lines(a, b))
	})
}
