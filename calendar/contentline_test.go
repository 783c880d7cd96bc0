package calendar

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFoldLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"short", "SUMMARY:Collecte"},
		{"exactly 75", strings.Repeat("a", 75)},
		{"76 ascii", strings.Repeat("a", 76)},
		{"long ascii", strings.Repeat("abcdefghij", 40)},
		{"two-byte runes", "LOCATION:" + strings.Repeat("é", 200)},
		{"three-byte runes", "LOCATION:" + strings.Repeat("€", 200)},
		{"four-byte runes", "LOCATION:" + strings.Repeat("🗑", 100)},
		{"mixed offsets", "X:" + strings.Repeat("aé€🗑", 60)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := fold(tt.in)

			var joined strings.Builder
			for i, p := range parts {
				if len(p) > maxLineOctets {
					t.Errorf("line %d has %d octets, want at most %d", i, len(p), maxLineOctets)
				}
				if !utf8.ValidString(p) {
					t.Errorf("line %d %q splits a UTF-8 character", i, p)
				}
				if i > 0 {
					if !strings.HasPrefix(p, " ") {
						t.Errorf("continuation line %d %q does not start with a space", i, p)
					}
					p = p[1:]
				}
				joined.WriteString(p)
			}
			if got := joined.String(); got != tt.in {
				t.Errorf("unfolded = %q, want %q", got, tt.in)
			}
		})
	}
}

func TestFoldUsesFullLines(t *testing.T) {
	parts := fold(strings.Repeat("a", 75+74+10))
	want := []int{75, 75, 11}
	if len(parts) != len(want) {
		t.Fatalf("got %d lines, want %d", len(parts), len(want))
	}
	for i, p := range parts {
		if len(p) != want[i] {
			t.Errorf("line %d has %d octets, want %d", i, len(p), want[i])
		}
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Rue Louis Blanc", "Rue Louis Blanc"},
		{"specials", `a\b;c,d`, `a\\b\;c\,d`},
		{"line breaks", "a\nb\r\nc\rd", `a\nb\nc\nd`},
		{"tab kept", "a\tb", "a\tb"},
		{"controls dropped", "a\x00b\x1bc\x7fd\u0085e", "abcde"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"structure injection", "x\r\nEND:VCALENDAR", `x\nEND:VCALENDAR`},
		{"accents", "Schœlcher, Rivière-Roche", `Schœlcher\, Rivière-Roche`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeText(tt.in); got != tt.want {
				t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeTextBoundsLength(t *testing.T) {
	got := escapeText(strings.Repeat("é", 100_000))

	if n := utf8.RuneCountInString(got); n != maxTextRunes {
		t.Errorf("escaped length = %d runes, want %d", n, maxTextRunes)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("escaped text ends in %q, want an ellipsis", got[len(got)-8:])
	}
}
