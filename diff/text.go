package diff

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/collecte-cacem/collecte/snapshot"
)

// WriteText writes r as plain text, one change per line, such as
//
//	schedule_changed FORT-DE-FRANCE / BALATA / Absalon [key]: OM Mercredi, Samedi -> Mercredi/paire
//	address_added FORT-DE-FRANCE / BALATA / Rue X [key]
//
// A slot is written as its French day, followed by "/paire" or "/impaire"
// unless it applies every week, and an empty slot list as "none". Control
// characters in names are written as spaces, so a name cannot move the
// cursor or split a line. A report without changes is written as the line
// "no changes".
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	for _, c := range r.Changes {
		b.WriteString(textLine(c))
		b.WriteByte('\n')
	}
	if len(r.Changes) == 0 {
		b.WriteString("no changes\n")
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write text report %s..%s: %w", r.From, r.To, err)
	}
	return nil
}

// textLine returns the one-line form of c used by WriteText and Body.
func textLine(c Change) string {
	line := fmt.Sprintf("%s %s / %s / %s [%s]", clean(c.Kind),
		clean(c.Commune), clean(c.Quartier), clean(c.Voie), clean(c.AdresseKey))
	if !streamKind(c.Kind) {
		return line
	}
	return fmt.Sprintf("%s: %s %s -> %s", line, clean(c.Flux), textSlots(c.Before), textSlots(c.After))
}

// textSlots returns the compact form of slots, such as "Lundi, Jeudi/paire".
func textSlots(slots []snapshot.Slot) string {
	if len(slots) == 0 {
		return "none"
	}

	parts := make([]string, 0, len(slots))
	for _, s := range slots {
		part := snapshot.DayName(s.Day)
		if s.Weeks != snapshot.Every {
			part += "/" + clean(string(s.Weeks))
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// clean returns s with each character that could break a line or change how
// the rest of it displays replaced by a space. These are the control
// characters (CR, LF and ESC among them), the Unicode line and paragraph
// separators, and the bidirectional embedding, override and isolate
// characters. Letters are kept as they are.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return ' '
		}
		return r
	}, s)
}

func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
