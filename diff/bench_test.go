package diff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkLines measures Lines on 60,000-line texts: a few hundred edits,
// two texts that share no line, the same distinct lines in another order,
// and two random texts over two distinct lines, the worst case left to
// go-diff's Myers diff.
func BenchmarkLines(b *testing.B) {
	base := numberedText("ligne", 0, 60_000)
	edited, _ := editEvery(base, 200)
	cases := []struct {
		name string
		a, b string
	}{
		{"edits-300", base, edited},
		{"disjoint", numberedText("a", 0, 60_000), numberedText("b", 0, 60_000)},
		{"shuffled", base, shuffledText(base)},
		{"random-two-lines", randomText(1, 60_000), randomText(2, 60_000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Lines(c.a, c.b)
			}
		})
	}
}

// randomText returns count lines, each "x" or "y", drawn from seed.
func randomText(seed uint64, count int) string {
	r := rand.New(rand.NewPCG(seed, seed))
	var sb strings.Builder
	for range count {
		if r.IntN(2) == 0 {
			sb.WriteString("x\n")
		} else {
			sb.WriteString("y\n")
		}
	}
	return sb.String()
}

// shuffledText returns the lines of text in a fixed pseudo-random order.
func shuffledText(text string) string {
	lines := strings.SplitAfter(text, "\n")
	lines = lines[:len(lines)-1]
	r := rand.New(rand.NewPCG(3, 3))
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return strings.Join(lines, "")
}
