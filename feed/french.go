package feed

import (
	"fmt"
	"strings"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// NOTE: the wording below mirrors the French Markdown report of package diff,
// whose helpers are unexported. Keep both in step until diff exports them.

// frenchNouns gives the singular and plural wording of each kind.
var frenchNouns = map[string][2]string{
	diff.KindScheduleChanged:   {"changement d'horaires", "changements d'horaires"},
	diff.KindCollectionMissing: {"collecte disparue", "collectes disparues"},
	diff.KindCollectionAdded:   {"collecte ajoutée", "collectes ajoutées"},
	diff.KindAddressAdded:      {"nouvelle adresse", "nouvelles adresses"},
	diff.KindAddressRemoved:    {"adresse retirée", "adresses retirées"},
}

// kindOrder is the order of the kinds in a summary.
var kindOrder = []string{
	diff.KindScheduleChanged, diff.KindCollectionMissing, diff.KindCollectionAdded,
	diff.KindAddressAdded, diff.KindAddressRemoved,
}

// Summary returns the counts of r in French, such as "3 changements
// d'horaires, 1 collecte disparue", or "" for a report without changes.
func Summary(r diff.Report) string {
	counts := map[string]int{}
	for _, c := range r.Changes {
		counts[c.Kind]++
	}

	var parts []string
	for _, kind := range kindOrder {
		n := counts[kind]
		if n == 0 {
			continue
		}
		parts = append(parts, Count(n, frenchNouns[kind][0], frenchNouns[kind][1]))
	}
	return strings.Join(parts, ", ")
}

// Count writes n and the French noun, singular for 0 and 1 as French
// uses it ("0 adresse", "1 adresse", "2 adresses"), such as "2 141
// adresses".
func Count(n int, singular, plural string) string {
	if n < 2 {
		return Thousands(n) + " " + singular
	}
	return Thousands(n) + " " + plural
}

// Thousands writes n with a no-break space between groups of three digits,
// as French typography does ("2 141").
func Thousands(n int) string {
	digits := fmt.Sprint(n)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 && digits[i-1] != '-' {
			b.WriteString("\u00a0")
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Describe returns what changed in c, without the address, such as
// "Ordures ménagères : Mercredi et Samedi → Mercredi (semaines paires)" or
// "nouvelle adresse". Control characters in names are written as spaces.
func Describe(c diff.Change) string {
	switch c.Kind {
	case diff.KindAddressAdded:
		return "nouvelle adresse"
	case diff.KindAddressRemoved:
		return "adresse retirée"
	}
	stream := Clean(snapshot.StreamName(c.Flux))
	return fmt.Sprintf("%s : %s → %s", stream, frenchSlots(c.Before), frenchSlots(c.After))
}

// frenchSlots returns slots in French grouped by weeks, such as "Lundi et
// Jeudi" or "Lundi (toutes les semaines) ; Mercredi (semaines paires)", and
// "aucune collecte" for an empty list.
func frenchSlots(slots []snapshot.Slot) string {
	if len(slots) == 0 {
		return "aucune collecte"
	}

	var order []snapshot.Weeks
	days := map[snapshot.Weeks][]string{}
	for _, s := range slots {
		if _, seen := days[s.Weeks]; !seen {
			order = append(order, s.Weeks)
		}
		days[s.Weeks] = append(days[s.Weeks], snapshot.DayName(s.Day))
	}

	groups := make([]string, 0, len(order))
	for _, w := range order {
		suffix := frenchWeeks(w)
		if w == snapshot.Every && len(order) > 1 {
			suffix = " (toutes les semaines)"
		}
		groups = append(groups, frenchList(days[w])+suffix)
	}
	return strings.Join(groups, " ; ")
}

func frenchList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

func frenchWeeks(w snapshot.Weeks) string {
	switch w {
	case snapshot.Every:
		return ""
	case snapshot.Even:
		return " (semaines paires)"
	case snapshot.Odd:
		return " (semaines impaires)"
	}
	return " (semaines " + Clean(string(w)) + ")"
}

// Clean returns s with every control character (C0, DEL and C1), and every
// character that XML 1.0 forbids, written as a space, and invalid UTF-8 as
// U+FFFD. A cleaned name can neither end a line nor start a header.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || !xmlChar(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Name returns a cleaned, trimmed name, or "(sans nom)" for an empty one.
func Name(s string) string {
	s = strings.TrimSpace(Clean(s))
	if s == "" {
		return "(sans nom)"
	}
	return s
}
