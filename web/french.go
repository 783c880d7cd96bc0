package web

import (
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

var templateFuncs = template.FuncMap{
	"number":     frenchNumber,
	"date":       frenchDate,
	"datetime":   frenchDateTime,
	"isodate":    func(t time.Time) string { return t.Format(time.DateOnly) },
	"short":      shortHash,
	"stream":     snapshot.StreamName,
	"slots":      frenchSlots,
	"kind":       kindLabel,
	"counts":     frenchCounts,
	"clean":      clean,
	"addressURL": addressURL,
	// base is replaced by pagesUnder with the path of the public URL.
	"base": func() string { return "" },
}

// frenchThousands separates thousands with a no-break space, as French
// typography does ("2 141").
const frenchThousands = "\u00a0"

func frenchNumber(n int) string {
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(frenchThousands)
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}

var frenchMonths = [...]string{
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre",
}

var frenchWeekdays = [...]string{
	"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
}

// frenchDate writes a date such as "jeudi 31 décembre 2026".
func frenchDate(t time.Time) string {
	return fmt.Sprintf("%s %d %s %d", frenchWeekdays[t.Weekday()], t.Day(), frenchMonths[t.Month()-1], t.Year())
}

// frenchDateTime writes a time such as "4 décembre 2026 à 05:58".
func frenchDateTime(t time.Time) string {
	return fmt.Sprintf("%d %s %d à %02d:%02d", t.Day(), frenchMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

func shortHash(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// addressURL returns the path of an address page from the root of the
// view, without the base path.
func addressURL(key string) string {
	return "/adresse/" + key
}

// frenchSlots writes slots grouped by weeks, such as "Lundi et Jeudi" or
// "Lundi (toutes les semaines) ; Mercredi (semaines paires)", the days of
// each group from Monday to Sunday. An empty list is "aucune collecte".
func frenchSlots(slots []snapshot.Slot) string {
	if len(slots) == 0 {
		return "aucune collecte"
	}
	sorted := append([]snapshot.Slot(nil), slots...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return snapshot.DayRank(sorted[i].Day) < snapshot.DayRank(sorted[j].Day)
	})

	days := map[snapshot.Weeks][]string{}
	for _, s := range sorted {
		days[s.Weeks] = append(days[s.Weeks], snapshot.DayName(s.Day))
	}
	var groups []string
	for _, w := range []snapshot.Weeks{snapshot.Every, snapshot.Even, snapshot.Odd} {
		if len(days[w]) == 0 {
			continue
		}
		suffix := weeksSuffix(w)
		if w == snapshot.Every && len(days) > 1 {
			suffix = " (toutes les semaines)"
		}
		groups = append(groups, frenchList(days[w])+suffix)
	}
	return strings.Join(groups, " ; ")
}

func weeksSuffix(w snapshot.Weeks) string {
	switch w {
	case snapshot.Even:
		return " (semaines paires)"
	case snapshot.Odd:
		return " (semaines impaires)"
	}
	return ""
}

// frenchList joins items as a French enumeration: "a", "a et b", "a, b et c".
func frenchList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

// kindOrder is the order in which counts are listed.
var kindOrder = []string{
	diff.KindScheduleChanged, diff.KindCollectionMissing, diff.KindCollectionAdded,
	diff.KindAddressAdded, diff.KindAddressRemoved,
}

// kindNouns gives the singular and plural French wording of each kind.
var kindNouns = map[string][2]string{
	diff.KindScheduleChanged:   {"changement d'horaires", "changements d'horaires"},
	diff.KindCollectionMissing: {"collecte disparue", "collectes disparues"},
	diff.KindCollectionAdded:   {"collecte ajoutée", "collectes ajoutées"},
	diff.KindAddressAdded:      {"nouvelle adresse", "nouvelles adresses"},
	diff.KindAddressRemoved:    {"adresse retirée", "adresses retirées"},
}

// kindLabel returns the French label of one change kind, such as
// "changement d'horaires".
func kindLabel(kind string) string {
	if nouns, ok := kindNouns[kind]; ok {
		return nouns[0]
	}
	return clean(kind)
}

// frenchCounts writes change counts such as "3 changements d'horaires,
// 1 collecte disparue", or "aucun changement".
func frenchCounts(counts map[string]int) string {
	var parts []string
	for _, kind := range kindOrder {
		n := counts[kind]
		if n == 0 {
			continue
		}
		noun := kindNouns[kind][1]
		if n == 1 {
			noun = kindNouns[kind][0]
		}
		parts = append(parts, frenchNumber(n)+" "+noun)
	}
	if len(parts) == 0 {
		return "aucun changement"
	}
	return strings.Join(parts, ", ")
}

// clean replaces control characters with spaces. html/template escapes
// markup, but passes control characters through, and a browser would show
// them as boxes or drop them silently.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
