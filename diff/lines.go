package diff

import (
	"strconv"
	"strings"
)

// LineOp is the operation that turns one line of the old text into the new text.
type LineOp int

// The three line operations.
const (
	Equal  LineOp = iota // in both texts
	Insert               // only in the new text
	Delete               // only in the old text
)

// String returns the name of op, such as "insert".
func (op LineOp) String() string {
	switch op {
	case Equal:
		return "equal"
	case Insert:
		return "insert"
	case Delete:
		return "delete"
	}
	return "LineOp(" + strconv.Itoa(int(op)) + ")"
}

// Line is one line of a line diff.
type Line struct {
	Op LineOp
	// Text is the line with its terminator ("\n" or "\r\n"). Only the last
	// line of a text that does not end with a newline has none.
	Text string
	// OldNumber is the 1-based line number in the old text, 0 for Insert.
	OldNumber int
	// NewNumber is the 1-based line number in the new text, 0 for Delete.
	NewNumber int
}

// Lines returns the line diff from a to b. Joining the Text of the Equal
// and Delete lines gives a back exactly, and joining the Equal and Insert
// lines gives b. Within a run of changed lines, the deletions come before
// the insertions.
//
// The result depends only on a and b, never on time: lines unique to both
// sides anchor the comparison (as in patience diff), and go-diff runs
// without a deadline on the gaps between anchors (see matchLines).
func Lines(a, b string) []Line {
	oldLines, newLines := splitLines(a), splitLines(b)
	oldIDs, newIDs := internLines(oldLines, newLines)
	pairs := matchLines(oldIDs, newIDs, oldLines, newLines)
	return buildLines(oldLines, newLines, pairs)
}

// splitLines splits s after every "\n", as go-diff does. An empty s has no
// line, and a last line without "\n" is kept as it is.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// internLines numbers the distinct lines of both texts, so that two lines
// have the same id exactly when their texts are equal.
func internLines(a, b []string) ([]int, []int) {
	ids := map[string]int{}
	number := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return number(a), number(b)
}

// buildLines turns the matched pairs into the full line list, with the
// unmatched lines before each pair as deletions then insertions.
func buildLines(a, b []string, pairs []pair) []Line {
	out := make([]Line, 0, len(a)+len(b)-len(pairs))
	i, j := 0, 0
	flush := func(toA, toB int) {
		for ; i < toA; i++ {
			out = append(out, Line{Op: Delete, Text: a[i], OldNumber: i + 1})
		}
		for ; j < toB; j++ {
			out = append(out, Line{Op: Insert, Text: b[j], NewNumber: j + 1})
		}
	}

	for _, p := range pairs {
		flush(p.a, p.b)
		out = append(out, Line{Op: Equal, Text: a[i], OldNumber: i + 1, NewNumber: j + 1})
		i, j = i+1, j+1
	}
	flush(len(a), len(b))
	return out
}
