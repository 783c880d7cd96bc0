package diff

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarkdownHostileNames(t *testing.T) {
	hostile := []string{
		"Rue *gras* _it_",
		"[lien](https://example.invalid)",
		"`code` <script>alert(1)</script>",
		"# titre",
		"Rue A\r\n- fausse puce\n## faux titre",
		"Rue\x1b[31m rouge",
		"&amp; ~~barré~~ | table | $x$",
		"  espaces autour  ",
		"Rue \\ barre",
	}
	var changes []Change
	for i, name := range hostile {
		changes = append(changes, Change{
			Kind: KindAddressAdded, AdresseKey: itoa(i),
			Commune: name, Quartier: name, Voie: name,
		})
	}
	r := newReport("", "", changes)

	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	out := b.String()

	t.Run("one bullet per change", func(t *testing.T) {
		if got := countLinesWithPrefix(out, "- "); got != len(hostile) {
			t.Errorf("bullets: got %d, want %d\n%s", got, len(hostile), out)
		}
	})
	t.Run("headings from names only", func(t *testing.T) {
		if got := countLinesWithPrefix(out, "## "); got != len(hostile) {
			t.Errorf("commune headings: got %d, want %d\n%s", got, len(hostile), out)
		}
		if got := countLinesWithPrefix(out, "### "); got != len(hostile) {
			t.Errorf("quartier headings: got %d, want %d\n%s", got, len(hostile), out)
		}
	})
	t.Run("no raw markup", func(t *testing.T) {
		for _, raw := range []string{"<script>", "*gras*", "](", "`code`", "\x1b", "\r", "~~", "&amp;", "$x$"} {
			if containsUnescaped(out, raw) {
				t.Errorf("output contains raw %q:\n%s", raw, out)
			}
		}
	})
	t.Run("letters kept", func(t *testing.T) {
		unescaped := strings.ReplaceAll(out, "\\", "")
		for _, word := range []string{"gras", "fausse puce", "faux titre", "rouge", "barré", "espaces autour", "alert(1)"} {
			if !strings.Contains(unescaped, word) {
				t.Errorf("output lost %q:\n%s", word, out)
			}
		}
	})
}

// containsUnescaped reports whether s contains sub at a position not
// preceded by a backslash.
func containsUnescaped(s, sub string) bool {
	for i := 0; ; {
		k := strings.Index(s[i:], sub)
		if k < 0 {
			return false
		}
		if i+k == 0 || s[i+k-1] != '\\' {
			return true
		}
		i += k + 1
	}
}

func countLinesWithPrefix(s, prefix string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Rue Victor Hugo", "Rue Victor Hugo"},
		{"Fort-de-France (centre)", "Fort-de-France (centre)"},
		{"a*b_c", `a\*b\_c`},
		{"[x]", `\[x\]`},
		{"<b>", `\<b\>`},
		{`a\b`, `a\\b`},
		{"Schœlcher", "Schœlcher"},
	}
	for _, tt := range tests {
		if got := markdownEscape(tt.in); got != tt.want {
			t.Errorf("markdownEscape(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownNameEmpty(t *testing.T) {
	if got := markdownName(" \t\n"); got != "(sans nom)" {
		t.Errorf("got %q, want %q", got, "(sans nom)")
	}
}

func TestFrenchSlots(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "aucune collecte"},
		{"Lundi", "Lundi"},
		{"Mercredi Samedi", "Mercredi et Samedi"},
		{"Lundi Mercredi Vendredi", "Lundi, Mercredi et Vendredi"},
		{"Lundi/paire", "Lundi (semaines paires)"},
		{"Jeudi/impaire", "Jeudi (semaines impaires)"},
		{"Lundi Jeudi/impaire", "Lundi (toutes les semaines) ; Jeudi (semaines impaires)"},
		{"Lundi/paire Mardi/impaire Mercredi/paire", "Lundi et Mercredi (semaines paires) ; Mardi (semaines impaires)"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			if got := frenchSlots(mustSlots(t, tt.spec)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCleanKeepsLetters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Rue A\r\nB", "Rue A  B"},
		{"a\x00b\x7fc\u0085d", "a b c d"},
		{"a\u2028b\u202ec", "a b c"},
		{"Schœlcher", "Schœlcher"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
