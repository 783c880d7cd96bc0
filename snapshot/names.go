package snapshot

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// streamInfo describes a known stream: its French name and its rank in the
// order used for sorting files and reports.
type streamInfo struct {
	name string
	rank int
}

var streams = map[string]streamInfo{
	StreamHousehold: {"Ordures ménagères", 0},
	StreamRecycling: {"Emballages et recyclables", 1},
	StreamBulky:     {"Encombrants", 2},
	StreamGreen:     {"Déchets verts", 3},
	StreamAppliance: {"DEEE (électroménagers)", 4},
}

// legacyTitles maps the folded generation-1 titles to their stream codes.
// The combined bulky-items title covers three streams collected together.
var legacyTitles = map[string][]string{
	Fold("Ordures ménagères (bac gris)"): {StreamHousehold},
	Fold("Emballages (bac jaune)"):       {StreamRecycling},
	Fold("Encombrants, déchets verts, DEEE (électroménagers)"): {
		StreamBulky, StreamGreen, StreamAppliance,
	},
}

// StreamName returns the French name of a stream code, or the code itself
// for a stream that is not one of the five known ones.
func StreamName(code string) string {
	if s, ok := streams[code]; ok {
		return s.name
	}
	return code
}

// KnownStream reports whether code is one of the five CACEM stream codes.
func KnownStream(code string) bool {
	_, ok := streams[code]
	return ok
}

// StreamLess orders stream codes: the five known codes in the order OM, RS,
// ENC, DV, DEEE, then any other code alphabetically.
func StreamLess(a, b string) bool {
	ra, oka := streams[a]
	rb, okb := streams[b]
	switch {
	case oka && okb:
		return ra.rank < rb.rank
	case oka != okb:
		return oka
	default:
		return a < b
	}
}

// StreamCodes maps a source label to stream codes. A generation-2 FLUX code
// or a generation-1 title that is known maps to its codes; any other label
// gets one code derived from it by DeriveCode, and known is false.
func StreamCodes(label string) (codes []string, known bool) {
	if codes, ok := legacyTitles[Fold(label)]; ok {
		return codes, true
	}
	code := strings.ToUpper(strings.TrimSpace(label))
	if KnownStream(code) {
		return []string{code}, true
	}
	return []string{DeriveCode(label)}, false
}

// DeriveCode builds a stream code from an unknown label: the folded label in
// upper case with every run of other characters turned into one "_", such as
// "DECHETS_DANGEREUX" for "Déchets dangereux". An empty result becomes "AUTRE".
func DeriveCode(label string) string {
	code := strings.ToUpper(strings.ReplaceAll(Slug(label), "-", "_"))
	if code == "" {
		return "AUTRE"
	}
	return code
}

// dayNames are the French weekday names, indexed by time.Weekday.
var dayNames = [7]string{
	"Dimanche", "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi",
}

// DayName returns the French name of a weekday, such as "Lundi".
func DayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return d.String()
	}
	return dayNames[d]
}

// ParseDay parses a French weekday name without regard to case, accents and
// surrounding whitespace.
func ParseDay(name string) (time.Weekday, bool) {
	for i, n := range dayNames {
		if n == name {
			return time.Weekday(i), true
		}
	}
	folded := Fold(name)
	for i, n := range dayNames {
		if Fold(n) == folded {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// DayRank orders weekdays from Monday to Sunday, as French calendars do.
func DayRank(d time.Weekday) int {
	return (int(d) + 6) % 7
}

// ParseWeeks parses a "semaine" value: toutes, paire or impaire.
func ParseWeeks(s string) (Weeks, bool) {
	switch w := Weeks(s); w {
	case Every, Even, Odd:
		return w, true
	}
	return "", false
}

// weeksRank orders week values: every week, then even, then odd.
func weeksRank(w Weeks) int {
	switch w {
	case Every:
		return 0
	case Even:
		return 1
	}
	return 2
}

// Fold returns s in the form used to compare names: lower case, accents
// removed, format characters such as zero-width spaces dropped, and every
// run of whitespace turned into one space, with none at either end. The œ,
// æ and ß ligatures are spelled out, so "Schœlcher" folds as "schoelcher".
func Fold(s string) string {
	if folded, ok := foldASCII(s); ok {
		return folded
	}
	return foldUnicode(s)
}

// foldUnicode is Fold for any string.
func foldUnicode(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return ligatures.Replace(b.String())
}

// Slug returns the folded form of s with every run of characters other than
// letters and digits turned into one "-", such as "hyper-centre-ville" for
// "HYPER  CENTRE-VILLE".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range Fold(s) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var ligatures = strings.NewReplacer("œ", "oe", "æ", "ae", "ß", "ss")

// foldASCII folds s without Unicode normalisation when it is printable
// ASCII, the common case of street names, and reports false otherwise.
func foldASCII(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return "", false
		}
		if c >= 'A' && c <= 'Z' || c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			clean = false
		}
	}
	if clean {
		return s, true
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " "), true
}
