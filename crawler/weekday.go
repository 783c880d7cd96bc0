package crawler

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// publishedWeekdays are the names as the site spells them, matched before
// any folding.
var publishedWeekdays = map[string]time.Weekday{
	"Dimanche": time.Sunday,
	"Lundi":    time.Monday,
	"Mardi":    time.Tuesday,
	"Mercredi": time.Wednesday,
	"Jeudi":    time.Thursday,
	"Vendredi": time.Friday,
	"Samedi":   time.Saturday,
}

// parseFrenchWeekday parses a French weekday name such as "Lundi", without
// regard to case, accents or surrounding spaces.
func parseFrenchWeekday(name string) (time.Weekday, error) {
	if d, ok := publishedWeekdays[name]; ok {
		return d, nil
	}

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
	if isASCII(s) {
		// NFD and NFC leave ASCII unchanged and it has no combining marks,
		// so foldUnicode would only lowercase and trim it.
		return strings.ToLower(strings.TrimSpace(s))
	}
	return foldUnicode(s)
}

// foldUnicode is fold for any string.
func foldUnicode(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.TrimSpace(out))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
