package web

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

func TestSearchStreets(t *testing.T) {
	all := streets([]snapshot.Address{
		{Key: "a", Commune: "SCHOELCHER", Quartier: "Terreville", Voie: "Rue Victor Hugo"},
		{Key: "b", Commune: "FORT-DE-FRANCE", Quartier: "HYPER CENTRE-VILLE", Voie: "Rue Victor Hugo"},
		{Key: "c", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Chemin de l'Église"},
		{Key: "d", Commune: "Schœlcher", Quartier: "CLUNY", Voie: "Résidence Les Ombrages"},
	})
	tests := []struct {
		query string
		want  []string
	}{
		{"victor hugo", []string{"b", "a"}},
		{"HUGO victor", []string{"b", "a"}},
		{"hugo fort", []string{"b"}},
		{"vict", []string{"b", "a"}},
		{"ictor", []string{"b", "a"}},
		{"eglise", []string{"c"}},
		{"ÉGLISE l'", []string{"c"}},
		{"schoelcher", []string{"d", "a"}},
		{"schœlcher ombrages", []string{"d"}},
		{"residence", []string{"d"}},
		{"victor balata", nil},
		{"   ", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			found, total := searchStreets(all, tt.query, maxResults)
			var got []string
			for _, a := range found {
				got = append(got, a.Key)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("keys = %v, want %v", got, tt.want)
			}
			if total != len(tt.want) {
				t.Errorf("total = %d, want %d", total, len(tt.want))
			}
		})
	}
}

func TestSearchCap(t *testing.T) {
	var addresses []snapshot.Address
	for i := range 250 {
		addresses = append(addresses, snapshot.Address{Key: string(rune('a'+i%26)) + strings.Repeat("x", i), Commune: "C", Quartier: "Q", Voie: "Rue"})
	}
	found, total := searchStreets(streets(addresses), "rue", 200)
	if len(found) != 200 || total != 250 {
		t.Errorf("found %d of %d, want 200 of 250", len(found), total)
	}
}

func TestGroupResults(t *testing.T) {
	groups := group([]snapshot.Address{
		{Key: "1", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "A"},
		{Key: "2", Commune: "Fort-de-France", Quartier: "balata", Voie: "B"},
		{Key: "3", Commune: "FORT-DE-FRANCE", Quartier: "CLUNY", Voie: "C"},
		{Key: "4", Commune: "LE LAMENTIN", Quartier: "BALATA", Voie: "D"},
	})
	if len(groups) != 2 {
		t.Fatalf("%d communes, want 2", len(groups))
	}
	if got := len(groups[0].Quartiers); got != 2 {
		t.Errorf("Fort-de-France has %d quartiers, want 2", got)
	}
	if got := len(groups[0].Quartiers[0].Addresses); got != 2 {
		t.Errorf("BALATA has %d addresses, want 2 (names compared folded)", got)
	}
}

func TestFrenchNumber(t *testing.T) {
	tests := map[int]string{0: "0", 7: "7", 999: "999", 1000: "1\u00a0000", 2141: "2\u00a0141", 1234567: "1\u00a0234\u00a0567", -4500: "-4\u00a0500"}
	for n, want := range tests {
		if got := frenchNumber(n); got != want {
			t.Errorf("frenchNumber(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFrenchSlots(t *testing.T) {
	tests := []struct {
		name  string
		slots []snapshot.Slot
		want  string
	}{
		{"none", nil, "aucune collecte"},
		{"one", []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Every}}, "Lundi"},
		{"sorted from Monday", []snapshot.Slot{{Day: time.Sunday, Weeks: snapshot.Every}, {Day: time.Thursday, Weeks: snapshot.Every}}, "Jeudi et Dimanche"},
		{"even", []snapshot.Slot{{Day: time.Tuesday, Weeks: snapshot.Even}}, "Mardi (semaines paires)"},
		{"mixed", []snapshot.Slot{{Day: time.Monday, Weeks: snapshot.Every}, {Day: time.Friday, Weeks: snapshot.Odd}, {Day: time.Wednesday, Weeks: snapshot.Every}},
			"Lundi et Mercredi (toutes les semaines) ; Vendredi (semaines impaires)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frenchSlots(tt.slots); got != tt.want {
				t.Errorf("frenchSlots = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFrenchCounts(t *testing.T) {
	got := frenchCounts(map[string]int{diff.KindScheduleChanged: 1200, diff.KindAddressRemoved: 1})
	if want := "1\u00a0200 changements d'horaires, 1 adresse retirée"; got != want {
		t.Errorf("frenchCounts = %q, want %q", got, want)
	}
	if got := frenchCounts(nil); got != "aucun changement" {
		t.Errorf("frenchCounts(nil) = %q", got)
	}
}

func TestCleanControlCharacters(t *testing.T) {
	if got, want := clean("a\x1b[1mb\x00c\u0085d\te"), "a [1mb c d e"; got != want {
		t.Errorf("clean = %q, want %q", got, want)
	}
	if got := clean("Schœlcher \u202E"); got != "Schœlcher \u202E" {
		t.Errorf("clean changed printable text: %q", got)
	}
}

func TestNiceCeiling(t *testing.T) {
	tests := map[int]int{0: 1, 1: 1, 2: 2, 7: 8, 11: 12, 258: 300, 2141: 2500, 2450: 2500, 13544: 15000, 15356: 20000, 100: 100}
	for n, want := range tests {
		if got := niceCeiling(n); got != want {
			t.Errorf("niceCeiling(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestDrawChart(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := drawChart("g", "Adresses", []chartPoint{{day, 100}, {day.AddDate(0, 0, 10), 200}, {day.AddDate(0, 0, 40), 0}})
	if got, want := c.Points, "72.0,90.0 210.0,14.0 624.0,166.0"; got != want {
		t.Errorf("points = %q, want %q", got, want)
	}
	if got := len(c.XTicks); got != 3 {
		t.Errorf("%d date labels, want 3", got)
	}
	if got := c.YTicks[2].Label; got != "200" {
		t.Errorf("top label = %q, want 200", got)
	}

	single := drawChart("g", "Adresses", []chartPoint{{day, 5}})
	if got, want := single.Points, "348.0,14.0"; got != want {
		t.Errorf("single point = %q, want %q", got, want)
	}
}

func TestSideRowsContext(t *testing.T) {
	var a, b strings.Builder
	for i := range 40 {
		line := "ligne " + string(rune('A'+i%26)) + strings.Repeat("!", i) + "\n"
		a.WriteString(line)
		if i == 20 {
			line = "changée\n"
		}
		b.WriteString(line)
	}
	rows, truncated := sideRows(diff.SideBySide(diff.Lines(a.String(), b.String())))
	if truncated {
		t.Error("truncated a short diff")
	}
	if got, want := len(rows), 1+2*diffContext+1+1; got != want {
		t.Fatalf("%d rows, want %d (gap, context, change, context, gap): %+v", got, want, rows)
	}
	if !rows[0].Gap || !rows[len(rows)-1].Gap {
		t.Errorf("first and last rows are not gaps: %+v", rows)
	}
	change := rows[1+diffContext]
	if change.OldClass != "del" || change.NewClass != "add" || change.NewText != "changée" || change.OldNumber != 21 {
		t.Errorf("change row = %+v", change)
	}
}

func TestShortenLongLine(t *testing.T) {
	long := strings.Repeat("é", maxDiffLineBytes)
	got := shorten(long)
	if len(got) > maxDiffLineBytes+len(" […]") || !strings.HasSuffix(got, " […]") {
		t.Errorf("shorten kept %d bytes", len(got))
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("shorten cut inside a rune")
	}
}
