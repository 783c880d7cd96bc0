package diff

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// pair is a line of the old text (a) matched with an equal line of the new
// text (b), both 0-based.
type pair struct{ a, b int }

// maxGoDiffLines is the number of distinct lines that go-diff v1.4.5 can
// encode as runes: DiffLinesToRunes skips the surrogate range and panics
// past 1,112,060 lines. A gap with more distinct lines is left unmatched.
const maxGoDiffLines = 1_112_060

// matcher finds the matched pairs between two texts given as line ids, with
// the line texts kept for go-diff.
type matcher struct {
	a, b         []int
	aText, bText []string
	pairs        []pair
	dmp          *diffmatchpatch.DiffMatchPatch
}

// matchLines returns the matched pairs of a and b, increasing in both
// indexes. It trims the common prefix and suffix, anchors on the lines that
// occur exactly once on each side (their longest increasing run, as in
// patience diff) and repeats this in each gap between anchors. A gap
// without such a line goes to go-diff's Myers diff, after dropping the lines
// that the other side of the gap lacks, which can never match. Two texts
// that share no line thus cost one pass, while go-diff alone grows with the
// square of their length: about 3 s for two disjoint 20,000-line texts
// (2-core AMD EPYC, go-diff v1.4.5, no deadline).
//
// NOTE: a gap of lines that repeat on both sides in a different order still
// costs go-diff O(N·D): two random 60,000-line texts over the two lines "x"
// and "y" take about 4 s (BenchmarkLines on a 2-core AMD EPYC).
func matchLines(a, b []int, aText, bText []string) []pair {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // no deadline: the result must not depend on time

	m := &matcher{a: a, b: b, aText: aText, bText: bText, dmp: dmp}
	m.match(0, len(a), 0, len(b))
	return m.pairs
}

// match appends the pairs of a[a0:a1] and b[b0:b1].
func (m *matcher) match(a0, a1, b0, b1 int) {
	for a0 < a1 && b0 < b1 && m.a[a0] == m.b[b0] {
		m.pairs = append(m.pairs, pair{a0, b0})
		a0, b0 = a0+1, b0+1
	}
	suffix := 0
	for a0 < a1-suffix && b0 < b1-suffix && m.a[a1-suffix-1] == m.b[b1-suffix-1] {
		suffix++
	}

	m.matchMiddle(a0, a1-suffix, b0, b1-suffix)

	for k := range suffix {
		m.pairs = append(m.pairs, pair{a1 - suffix + k, b1 - suffix + k})
	}
}

// matchMiddle appends the pairs of two ranges that share no prefix or
// suffix.
func (m *matcher) matchMiddle(a0, a1, b0, b1 int) {
	if a0 == a1 || b0 == b1 {
		return
	}

	anchors := m.anchors(a0, a1, b0, b1)
	if len(anchors) == 0 {
		m.myers(a0, a1, b0, b1)
		return
	}

	for _, p := range anchors {
		m.match(a0, p.a, b0, p.b)
		m.pairs = append(m.pairs, p)
		a0, b0 = p.a+1, p.b+1
	}
	m.match(a0, a1, b0, b1)
}

// anchors returns the longest increasing run of the lines that occur exactly
// once in a[a0:a1] and once in b[b0:b1].
func (m *matcher) anchors(a0, a1, b0, b1 int) []pair {
	type seen struct{ countA, countB, posB int }
	lines := map[int]*seen{}
	for i := a0; i < a1; i++ {
		s := lines[m.a[i]]
		if s == nil {
			s = &seen{}
			lines[m.a[i]] = s
		}
		s.countA++
	}
	for j := b0; j < b1; j++ {
		if s := lines[m.b[j]]; s != nil {
			s.countB++
			s.posB = j
		}
	}

	var unique []pair
	for i := a0; i < a1; i++ {
		if s := lines[m.a[i]]; s.countA == 1 && s.countB == 1 {
			unique = append(unique, pair{i, s.posB})
		}
	}
	return longestIncreasing(unique)
}

// longestIncreasing returns the longest subsequence of pairs (sorted by a)
// whose b also increases, by patience sorting. Of runs of the same length it
// returns the one that ends on the last element placed on the last pile, so
// the result depends only on pairs.
func longestIncreasing(pairs []pair) []pair {
	if len(pairs) == 0 {
		return nil
	}

	tops := []int{}                 // index in pairs of the top of each pile
	prev := make([]int, len(pairs)) // index of the element below on the left pile
	for i, p := range pairs {
		pile := sort.Search(len(tops), func(k int) bool { return pairs[tops[k]].b > p.b })
		prev[i] = -1
		if pile > 0 {
			prev[i] = tops[pile-1]
		}
		if pile == len(tops) {
			tops = append(tops, i)
		} else {
			tops[pile] = i
		}
	}

	out := make([]pair, len(tops))
	for k, i := len(tops)-1, tops[len(tops)-1]; k >= 0; k, i = k-1, prev[i] {
		out[k] = pairs[i]
	}
	return out
}

// myers appends the pairs that go-diff finds between a[a0:a1] and b[b0:b1].
// Lines absent from the other range are dropped first, so go-diff receives
// only lines that may match.
func (m *matcher) myers(a0, a1, b0, b1 int) {
	keptA, keptB := m.shared(a0, a1, b0, b1)
	if len(keptA) == 0 || len(keptB) == 0 {
		return
	}

	runesA, runesB, lineArray := m.dmp.DiffLinesToRunes(m.join(m.aText, keptA), m.join(m.bText, keptB))
	if len(runesA) != len(keptA) || len(runesB) != len(keptB) || len(lineArray) > maxGoDiffLines {
		return // unreachable while splitLines splits as go-diff does
	}

	i, j := 0, 0
	for _, d := range m.dmp.DiffMainRunes(runesA, runesB, false) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			for k := range n {
				m.pairs = append(m.pairs, pair{keptA[i+k], keptB[j+k]})
			}
			i, j = i+n, j+n
		case diffmatchpatch.DiffDelete:
			i += n
		case diffmatchpatch.DiffInsert:
			j += n
		}
	}
}

// shared returns the indexes of the lines of each range that also occur in
// the other range. It returns nothing when the ranges hold more distinct
// lines than go-diff can encode.
func (m *matcher) shared(a0, a1, b0, b1 int) ([]int, []int) {
	inA, inB := map[int]bool{}, map[int]bool{}
	for _, id := range m.a[a0:a1] {
		inA[id] = true
	}
	for _, id := range m.b[b0:b1] {
		inB[id] = true
	}
	if len(inA)+len(inB) > maxGoDiffLines {
		return nil, nil
	}

	var keptA, keptB []int
	for i := a0; i < a1; i++ {
		if inB[m.a[i]] {
			keptA = append(keptA, i)
		}
	}
	for j := b0; j < b1; j++ {
		if inA[m.b[j]] {
			keptB = append(keptB, j)
		}
	}
	return keptA, keptB
}

func (m *matcher) join(text []string, indexes []int) string {
	var b strings.Builder
	for _, i := range indexes {
		b.WriteString(text[i])
	}
	return b.String()
}
