package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// summaryOrder lists the kinds in the order used by Summary and Body.
var summaryOrder = []string{
	KindScheduleChanged,
	KindCollectionMissing,
	KindCollectionAdded,
	KindAddressAdded,
	KindAddressRemoved,
}

// englishNouns gives the singular and plural wording of each kind in Summary.
var englishNouns = map[string][2]string{
	KindScheduleChanged:   {"schedule change", "schedule changes"},
	KindCollectionMissing: {"newly missing collection", "newly missing collections"},
	KindCollectionAdded:   {"collection added", "collections added"},
	KindAddressAdded:      {"address added", "addresses added"},
	KindAddressRemoved:    {"address removed", "addresses removed"},
}

// Summary returns a one-line English summary for a commit subject, such as
// "12 schedule changes, 3 newly missing collections, 2 addresses removed".
// Kinds with no change are left out. It returns "" for a report without
// changes, so that the caller chooses the wording for that case.
func (r Report) Summary() string {
	counts := countKinds(r.Changes)
	var parts []string
	for _, kind := range summaryOrder {
		n := counts[kind]
		if n == 0 {
			continue
		}
		parts = append(parts, countPhrase(n, englishNouns[kind], ","))
	}
	return strings.Join(parts, ", ")
}

// Body returns the changes for a commit body, one line each as WriteText
// writes them, taken in the order of Summary's kinds. When there are more
// than max changes, it returns the first max lines and a last line
// "… and N more". A max of zero or less means no limit. It returns "" for a
// report without changes.
func (r Report) Body(max int) string {
	changes := byKind(r.Changes)
	if max <= 0 || max > len(changes) {
		max = len(changes)
	}

	var b strings.Builder
	for _, c := range changes[:max] {
		b.WriteString(textLine(c))
		b.WriteByte('\n')
	}
	if rest := len(changes) - max; rest > 0 {
		fmt.Fprintf(&b, "… and %s more\n", groupThousands(rest, ","))
	}
	return b.String()
}

// byKind returns the changes grouped by kind in summaryOrder, keeping the
// report's order within a kind. Changes of an unknown kind come last.
func byKind(changes []Change) []Change {
	out := make([]Change, 0, len(changes))
	for _, kind := range summaryOrder {
		for _, c := range changes {
			if c.Kind == kind {
				out = append(out, c)
			}
		}
	}
	for _, c := range changes {
		if kindRank(c.Kind) == len(kinds) {
			out = append(out, c)
		}
	}
	return out
}

// countPhrase returns n followed by the singular or plural noun, with the
// thousands of n separated by sep.
func countPhrase(n int, nouns [2]string, sep string) string {
	noun := nouns[1]
	if n == 1 {
		noun = nouns[0]
	}
	return groupThousands(n, sep) + " " + noun
}

// groupThousands formats n with sep between groups of three digits, such as
// "2,141" for sep ",".
func groupThousands(n int, sep string) string {
	digits := strconv.Itoa(n)
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}

	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}
