package diff

import (
	"strings"

	"github.com/collecte-cacem/collecte/snapshot"
)

// frenchNouns gives the singular and plural wording of each kind in the
// Markdown summary line.
var frenchNouns = map[string][2]string{
	KindScheduleChanged:   {"changement d'horaires", "changements d'horaires"},
	KindCollectionMissing: {"collecte disparue", "collectes disparues"},
	KindCollectionAdded:   {"collecte ajoutée", "collectes ajoutées"},
	KindAddressAdded:      {"nouvelle adresse", "nouvelles adresses"},
	KindAddressRemoved:    {"adresse retirée", "adresses retirées"},
}

// frenchThousands separates thousands with a no-break space, as French
// typography does ("2 141").
const frenchThousands = "\u00a0"

// frenchSummary returns the counts of r in French, such as
// "3 changements d'horaires, 1 collecte disparue", or "" without changes.
func frenchSummary(r Report) string {
	counts := countKinds(r.Changes)
	var parts []string
	for _, kind := range summaryOrder {
		if n := counts[kind]; n > 0 {
			parts = append(parts, countPhrase(n, frenchNouns[kind], frenchThousands))
		}
	}
	return strings.Join(parts, ", ")
}

// frenchSlots returns slots in French, grouped by weeks in the order they
// first appear, such as "Lundi et Jeudi" or "Lundi (toutes les semaines) ;
// Mercredi (semaines paires)". The days of every week get their suffix only
// next to another group. An empty list is "aucune collecte".
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

// frenchList joins items as a French enumeration: "a", "a et b",
// "a, b et c".
func frenchList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " et " + items[len(items)-1]
}

// frenchWeeks returns the suffix naming the weeks of a group, empty for
// every week.
func frenchWeeks(w snapshot.Weeks) string {
	switch w {
	case snapshot.Every:
		return ""
	case snapshot.Even:
		return " (semaines paires)"
	case snapshot.Odd:
		return " (semaines impaires)"
	}
	return " (semaines " + clean(string(w)) + ")"
}
