package calendar

import (
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

func martinique(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDatesAcrossWeek53 checks the year boundary of 2026, whose ISO year has
// 53 weeks: an odd-weeks Thursday falls on 31 December (week 53) and on
// 7 January (week 1), and not on 24 December or 14 January.
func TestDatesAcrossWeek53(t *testing.T) {
	loc := martinique(t)
	from := time.Date(2026, 12, 14, 0, 0, 0, 0, loc)
	to := time.Date(2027, 1, 20, 0, 0, 0, 0, loc)

	tests := []struct {
		name  string
		slots []snapshot.Slot
		want  []string
	}{
		{"odd thursday", []snapshot.Slot{{Day: time.Thursday, Weeks: snapshot.Odd}},
			[]string{"2026-12-17", "2026-12-31", "2027-01-07"}},
		{"even thursday", []snapshot.Slot{{Day: time.Thursday, Weeks: snapshot.Even}},
			[]string{"2026-12-24", "2027-01-14"}},
		{"every sunday", []snapshot.Slot{{Day: time.Sunday, Weeks: snapshot.Every}},
			[]string{"2026-12-20", "2026-12-27", "2027-01-03", "2027-01-10", "2027-01-17"}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range Dates(tt.slots, from, to) {
				got = append(got, d.Format(time.DateOnly))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("dates = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("date %d = %s, want %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestNextUsesMartiniqueDate(t *testing.T) {
	loc := martinique(t)
	// 02:00 UTC on Friday 1 January 2027 is still Thursday 31 December in
	// Martinique (UTC-4).
	from := time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC).In(loc)
	slots := []snapshot.Slot{{Day: time.Thursday, Weeks: snapshot.Odd}}

	got, ok := Next(slots, from)
	if !ok {
		t.Fatal("Next found no date")
	}
	if want := "2026-12-31"; got.Format(time.DateOnly) != want {
		t.Errorf("Next = %s, want %s", got.Format(time.DateOnly), want)
	}
	if _, ok := Next(nil, from); ok {
		t.Error("Next found a date for no slot")
	}
}
