package crawler

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var frenchWeekdays = map[string]time.Weekday{
	"dimanche": time.Sunday,
	"lundi":    time.Monday,
	"mardi":    time.Tuesday,
	"mercredi": time.Wednesday,
	"jeudi":    time.Thursday,
	"vendredi": time.Friday,
	"samedi":   time.Saturday,
}

// parseFrenchWeekday parses a French weekday name such as "Lundi", without
// regard to case, accents or surrounding spaces.
func parseFrenchWeekday(name string) (time.Weekday, error) {
	d, ok := frenchWeekdays[fold(name)]
	if !ok {
		return 0, fmt.Errorf("unknown weekday name %q (want Lundi ... Dimanche)", name)
	}
	return d, nil
}

// jsWeekday converts a JavaScript day index (0 = Sunday ... 6 = Saturday),
// the numbering time.Weekday shares.
func jsWeekday(i int) (time.Weekday, error) {
	if i < 0 || i > 6 {
		return 0, fmt.Errorf("day index %d out of range (want 0 = Sunday ... 6 = Saturday)", i)
	}
	return time.Weekday(i), nil
}

// fold lowercases s, strips its accents and surrounding spaces.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.TrimSpace(out))
}
