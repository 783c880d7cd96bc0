package diff

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteUnified writes lines in the unified diff format: a "---" and a "+++"
// header naming the two texts, then one "@@ -l,s +l,s @@" hunk per group of
// changes with context lines of unchanged text around each change. Changes
// separated by at most 2×context unchanged lines share a hunk, as in GNU
// diff. A line without a final newline is followed by
// "\ No newline at end of file". Nothing is written when no line changed,
// and a negative context counts as 0.
func WriteUnified(w io.Writer, nameA, nameB string, lines []Line, context int) error {
	context = max(context, 0)
	hunks := findHunks(lines, context)
	if len(hunks) == 0 {
		return nil
	}

	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", clean(nameA), clean(nameB))
	for _, h := range hunks {
		writeHunk(&b, lines, h)
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write unified diff of %s and %s: %w", nameA, nameB, err)
	}
	return nil
}

// hunk is a range [start, end) of a line list.
type hunk struct{ start, end int }

// findHunks groups the changed lines with their context into hunks.
func findHunks(lines []Line, context int) []hunk {
	var hunks []hunk
	for i, l := range lines {
		if l.Op == Equal {
			continue
		}
		start, end := max(i-context, 0), min(i+1+context, len(lines))
		if n := len(hunks); n > 0 && start <= hunks[n-1].end {
			hunks[n-1].end = end
			continue
		}
		hunks = append(hunks, hunk{start, end})
	}
	return hunks
}

// writeHunk writes one hunk with its header. A side with no line in the hunk
// gets the number of the line before it and a count of 0, as in GNU diff.
func writeHunk(b *strings.Builder, lines []Line, h hunk) {
	oldBefore, newBefore := countSides(lines[:h.start])
	oldCount, newCount := countSides(lines[h.start:h.end])
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(oldBefore, oldCount), hunkRange(newBefore, newCount))

	for _, l := range lines[h.start:h.end] {
		b.WriteString(linePrefix(l.Op))
		b.WriteString(l.Text)
		if !strings.HasSuffix(l.Text, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// countSides returns how many of lines belong to the old and the new text.
func countSides(lines []Line) (old, cur int) {
	for _, l := range lines {
		if l.Op != Insert {
			old++
		}
		if l.Op != Delete {
			cur++
		}
	}
	return old, cur
}

// hunkRange returns "start,count" for a side with before lines ahead of the
// hunk, leaving out ",1" as GNU diff does.
func hunkRange(before, count int) string {
	start := before + 1
	if count == 0 {
		start = before
	}
	if count == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(count)
}

func linePrefix(op LineOp) string {
	switch op {
	case Insert:
		return "+"
	case Delete:
		return "-"
	}
	return " "
}
