// Package calendar computes collection dates from weekly rules and renders
// them as iCalendar files (RFC 5545).
package calendar

import (
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

// Dates returns the days from first to last, both included, on which a
// stream with the given slots is collected, at midnight in the zone of
// first. The parity of a day is that of its ISO 8601 week number, so an
// odd-weeks rule falls in week 53 and again in week 1 of the next year:
// dates are listed one by one, never by adding 14 days.
func Dates(slots []snapshot.Slot, first, last time.Time) []time.Time {
	loc := first.Location()
	day := midnight(first, loc)
	end := midnight(last.In(loc), loc)

	var out []time.Time
	for !day.After(end) {
		if Collected(slots, day) {
			out = append(out, day)
		}
		day = day.AddDate(0, 0, 1)
	}
	return out
}

// Collected reports whether one of the slots applies on the date of day,
// in day's zone.
func Collected(slots []snapshot.Slot, day time.Time) bool {
	_, week := day.ISOWeek()
	for _, s := range slots {
		if s.Day != day.Weekday() {
			continue
		}
		switch s.Weeks {
		case snapshot.Every:
			return true
		case snapshot.Even:
			if week%2 == 0 {
				return true
			}
		case snapshot.Odd:
			if week%2 == 1 {
				return true
			}
		}
	}
	return false
}

// Next returns the first date on or after from on which the slots apply,
// looking at most 371 days ahead (53 weeks), and false when there is none.
func Next(slots []snapshot.Slot, from time.Time) (time.Time, bool) {
	dates := Dates(slots, from, from.AddDate(0, 0, 371))
	if len(dates) == 0 {
		return time.Time{}, false
	}
	return dates[0], true
}

func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
