package calendar

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLineOctets is the longest content line that RFC 5545 section 3.1
// allows, in octets and without the CRLF. A continuation line starts with
// one space, which counts in its 75 octets.
const maxLineOctets = 75

// maxTextRunes bounds one TEXT value. Real street names are a few dozen
// characters. The bound keeps a corrupt 100 KB name from turning every event
// of a calendar into 100 KB.
const maxTextRunes = 500

// lineWriter writes folded content lines ending in CRLF. It keeps the first
// write error and ignores later writes, so a caller checks err once.
type lineWriter struct {
	w   *bufio.Writer
	err error
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{w: bufio.NewWriter(w)}
}

// line writes name, which may carry parameters such as "DTSTART;VALUE=DATE",
// a colon and value, folded at maxLineOctets. The caller escapes value.
func (lw *lineWriter) line(name, value string) {
	if lw.err != nil {
		return
	}
	for _, part := range fold(name + ":" + value) {
		if _, err := lw.w.WriteString(part + "\r\n"); err != nil {
			lw.err = err
			return
		}
	}
}

// text writes a property of type TEXT, escaping and bounding value.
func (lw *lineWriter) text(name, value string) {
	lw.line(name, escapeText(value))
}

func (lw *lineWriter) flush() error {
	if lw.err != nil {
		return lw.err
	}
	return lw.w.Flush()
}

// fold splits a content line into physical lines of at most maxLineOctets
// octets, the second and later starting with a space. It cuts only between
// runes, so a multi-byte UTF-8 character is never split.
func fold(s string) []string {
	var out []string
	limit := maxLineOctets
	prefix := ""
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		out = append(out, prefix+s[:cut])
		s = s[cut:]
		prefix, limit = " ", maxLineOctets-1
	}
	return append(out, prefix+s)
}

// escapeText renders s as an RFC 5545 TEXT value (section 3.3.11): invalid
// UTF-8 becomes U+FFFD, every line break becomes "\n", backslash, semicolon
// and comma are escaped, and control characters other than tab are dropped
// because TEXT does not allow them. The result holds at most maxTextRunes
// characters of s, the last replaced by "…" when s is longer.
func escapeText(s string) string {
	s = truncate(strings.ToValidUTF8(s, "\uFFFD"), maxTextRunes)
	s = strings.ReplaceAll(s, "\r\n", "\n")

	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
			// Dropped: C0, DEL and C1 controls have no place in a calendar.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
