package calendar

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/collecte-cacem/collecte/snapshot"
)

// TestICSHostileNames renders addresses whose names try to break the
// calendar: every one must still parse into the same events.
func TestICSHostileNames(t *testing.T) {
	tests := []struct {
		name string
		voie string
	}{
		{"CRLF injection", "Rue A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR"},
		{"bare LF and CR", "Rue\nB\rC"},
		{"control characters", "Rue\x00\x07\x1b[31m\x7f\u0085D"},
		{"text specials", `Rue ; des , Anses \ n`},
		{"invalid UTF-8", "Rue \xff\xfe E"},
		{"100 KB", strings.Repeat("Rivière ", 100_000/9)},
		{"fold points", strings.Repeat("é", 37) + strings.Repeat("🗑", 40)},
	}
	slots := map[string][]snapshot.Slot{"OM": {{Day: time.Thursday, Weeks: snapshot.Odd}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := snapshot.Address{Key: "k_q_v", Commune: "Schœlcher\r\n", Quartier: tt.voie, Voie: tt.voie}
			data, cal := render(t, a, slots, ICSOptions{From: date(2026, 12, 14), To: date(2027, 1, 20)})

			got := eventDates(t, cal, "OM")
			if strings.Join(got, " ") != "2026-12-17 2026-12-31 2027-01-07" {
				t.Errorf("dates = %v, want 2026-12-17 2026-12-31 2027-01-07", got)
			}
			for _, e := range cal.Events() {
				loc := prop(e, ics.ComponentPropertyLocation)
				if strings.ContainsFunc(loc, isCtl) {
					t.Errorf("LOCATION %q holds a control character", loc)
				}
				if s := prop(e, ics.ComponentPropertySummary); s != "Collecte : Ordures ménagères" {
					t.Errorf("SUMMARY = %q, want the stream name untouched", s)
				}
			}
			if len(data) > 200_000 {
				t.Errorf("calendar is %d bytes, want names bounded", len(data))
			}
		})
	}
}

// isCtl reports the characters that RFC 5545 TEXT forbids, and C1 controls.
func isCtl(r rune) bool {
	return (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f)
}
