package calendar

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/collecte-cacem/collecte/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// stamp is the pinned DTSTAMP source of the tests.
func stamp() time.Time { return time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC) }

var thursdayAddress = snapshot.Address{
	Key:      "fort-de-france_hyper-centre-ville_rue-louis-blanc~467",
	ID:       "467",
	Commune:  "FORT-DE-FRANCE",
	Quartier: "HYPER CENTRE-VILLE",
	Voie:     "Rue Louis Blanc",
}

var thursdaySchedules = map[string][]snapshot.Slot{
	snapshot.StreamHousehold: {{Day: time.Monday, Weeks: snapshot.Every}, {Day: time.Friday, Weeks: snapshot.Every}},
	snapshot.StreamRecycling: {{Day: time.Thursday, Weeks: snapshot.Odd}},
	snapshot.StreamBulky:     {{Day: time.Wednesday, Weeks: snapshot.Even}},
	snapshot.StreamGreen:     nil,
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// render writes the calendar and parses it back with golang-ical.
func render(t *testing.T, a snapshot.Address, sch map[string][]snapshot.Slot, opt ICSOptions) ([]byte, *ics.Calendar) {
	t.Helper()
	if opt.Now == nil {
		opt.Now = stamp
	}
	var buf bytes.Buffer
	if err := WriteICS(&buf, a, sch, opt); err != nil {
		t.Fatalf("WriteICS: %v", err)
	}
	checkStructure(t, buf.Bytes())
	cal, err := ics.ParseCalendar(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse back: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes(), cal
}

// checkStructure checks the physical lines: CRLF endings, no bare CR or LF,
// at most 75 octets, valid UTF-8, and the calendar's outer lines.
func checkStructure(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatal("calendar does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > maxLineOctets {
			t.Errorf("line %d has %d octets, want at most %d", i+1, len(l), maxLineOctets)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 character", i+1)
		}
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Errorf("outer lines = %q … %q, want BEGIN:VCALENDAR … END:VCALENDAR", lines[0], lines[len(lines)-1])
	}
	if n := strings.Count(string(data), "\r\nEND:VCALENDAR\r\n"); n != 1 {
		t.Errorf("END:VCALENDAR appears %d times, want once", n)
	}
}

func eventDates(t *testing.T, cal *ics.Calendar, flux string) []string {
	t.Helper()
	var out []string
	for _, e := range cal.Events() {
		if prop(e, ics.ComponentPropertyCategories) == flux {
			start, err := e.GetAllDayStartAt()
			if err != nil {
				t.Fatalf("event %s: DTSTART: %v", e.Id(), err)
			}
			out = append(out, start.Format(time.DateOnly))
		}
	}
	return out
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestICSAcrossWeek53(t *testing.T) {
	_, cal := render(t, thursdayAddress, thursdaySchedules, ICSOptions{
		From: date(2026, 12, 14), To: date(2027, 1, 20), Flux: snapshot.StreamRecycling,
	})

	got := eventDates(t, cal, snapshot.StreamRecycling)
	want := []string{"2026-12-17", "2026-12-31", "2027-01-07"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("odd-week Thursday dates = %v, want %v", got, want)
	}
	for _, wrong := range []string{"2026-12-24", "2027-01-14"} {
		if strings.Contains(strings.Join(got, " "), wrong) {
			t.Errorf("calendar lists %s, which is in an even ISO week", wrong)
		}
	}
	if n := len(cal.Events()); n != len(want) {
		t.Errorf("events = %d, want %d with --flux RS", n, len(want))
	}
}

// TestICSEveryEvent checks each parsed event against the dates that Dates
// computes for its stream.
func TestICSEveryEvent(t *testing.T) {
	from, to := date(2026, 12, 1), date(2027, 2, 28)
	data, cal := render(t, thursdayAddress, thursdaySchedules, ICSOptions{From: from, To: to})

	if bytes.Contains(data, []byte("RRULE")) {
		t.Error("calendar holds an RRULE, want explicit dates")
	}
	uids := map[string]bool{}
	count := map[string]int{}
	for _, e := range cal.Events() {
		flux := prop(e, ics.ComponentPropertyCategories)
		count[flux]++
		checkEvent(t, e, flux)
		if uids[e.Id()] {
			t.Errorf("UID %s appears twice", e.Id())
		}
		uids[e.Id()] = true
	}

	loc := zone()
	for flux, slots := range thursdaySchedules {
		want := len(Dates(slots, midnight(from, loc), midnight(to, loc)))
		if count[flux] != want {
			t.Errorf("stream %s: %d events, want %d", flux, count[flux], want)
		}
	}
}

func checkEvent(t *testing.T, e *ics.VEvent, flux string) {
	t.Helper()
	start, err := e.GetAllDayStartAt()
	if err != nil {
		t.Fatalf("event %s: DTSTART: %v", e.Id(), err)
	}
	end, err := e.GetAllDayEndAt()
	if err != nil {
		t.Fatalf("event %s: DTEND: %v", e.Id(), err)
	}
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, zone())

	if !Collected(thursdaySchedules[flux], day) {
		t.Errorf("event %s on %s: stream %s is not collected that day", e.Id(), day.Format(time.DateOnly), flux)
	}
	if got, want := end.Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly); got != want {
		t.Errorf("event %s: DTEND = %s, want %s", e.Id(), got, want)
	}
	if got, want := e.Id(), UID(thursdayAddress.Key, flux, day); got != want {
		t.Errorf("UID = %s, want %s", got, want)
	}
	if got, want := prop(e, ics.ComponentPropertySummary), "Collecte : "+snapshot.StreamName(flux); got != want {
		t.Errorf("SUMMARY = %q, want %q", got, want)
	}
	if got, want := prop(e, ics.ComponentPropertyLocation), "Rue Louis Blanc, HYPER CENTRE-VILLE, FORT-DE-FRANCE"; got != want {
		t.Errorf("LOCATION = %q, want %q", got, want)
	}
	if v := e.GetProperty(ics.ComponentPropertyDtStart); v.ICalParameters["VALUE"][0] != "DATE" {
		t.Errorf("DTSTART parameters = %v, want VALUE=DATE", v.ICalParameters)
	}
}

func TestICSCalendarName(t *testing.T) {
	_, cal := render(t, thursdayAddress, thursdaySchedules, ICSOptions{From: date(2027, 1, 1), To: date(2027, 1, 7)})

	want := "Collecte des déchets : Rue Louis Blanc, HYPER CENTRE-VILLE, FORT-DE-FRANCE"
	for _, name := range []ics.Property{ics.PropertyName, ics.PropertyXWRCalName} {
		got := ""
		for _, p := range cal.CalendarProperties {
			if p.IANAToken == string(name) {
				got = ics.FromText(p.Value)
			}
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestICSGolden(t *testing.T) {
	got, _ := render(t, thursdayAddress, thursdaySchedules, ICSOptions{
		From: date(2026, 12, 21), To: date(2027, 1, 10), PublicURL: "https://collecte.example.org/adresse/rue-louis-blanc",
	})
	golden := filepath.Join("testdata", "rue-louis-blanc.ics")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("calendar differs from %s (run go test -update after checking):\n%s", golden, got)
	}
}

// TestICSStableUIDs renders two calendars at different times over
// overlapping ranges: the dates they share keep their UIDs.
func TestICSStableUIDs(t *testing.T) {
	_, first := render(t, thursdayAddress, thursdaySchedules, ICSOptions{From: date(2026, 12, 1), To: date(2027, 1, 31)})
	later := func() time.Time { return stamp().AddDate(0, 1, 0) }
	_, second := render(t, thursdayAddress, thursdaySchedules, ICSOptions{
		From: date(2027, 1, 1), To: date(2027, 3, 31), Now: later,
	})

	uids := map[string]string{}
	for _, e := range first.Events() {
		start, _ := e.GetAllDayStartAt()
		uids[e.Id()] = start.Format(time.DateOnly)
	}
	shared := 0
	for _, e := range second.Events() {
		start, _ := e.GetAllDayStartAt()
		if start.Format(time.DateOnly) > "2027-01-31" {
			continue
		}
		shared++
		if _, ok := uids[e.Id()]; !ok {
			t.Errorf("event of %s got UID %s, not in the first calendar", start.Format(time.DateOnly), e.Id())
		}
	}
	if shared == 0 {
		t.Fatal("the two calendars share no date")
	}

	other := UID("fort-de-france_hyper-centre-ville_rue-louis-blanc~497", "OM", date(2027, 1, 4))
	if other == UID(thursdayAddress.Key, "OM", date(2027, 1, 4)) {
		t.Error("two addresses with the same names share a UID")
	}
}

func TestICSDefaultRange(t *testing.T) {
	// 02:00 UTC on 31 December 2026 is still 30 December in Martinique.
	now := func() time.Time { return time.Date(2026, 12, 31, 2, 0, 0, 0, time.UTC) }
	every := map[string][]snapshot.Slot{"OM": {
		{Day: time.Monday, Weeks: snapshot.Every}, {Day: time.Tuesday, Weeks: snapshot.Every},
		{Day: time.Wednesday, Weeks: snapshot.Every}, {Day: time.Thursday, Weeks: snapshot.Every},
		{Day: time.Friday, Weeks: snapshot.Every}, {Day: time.Saturday, Weeks: snapshot.Every},
		{Day: time.Sunday, Weeks: snapshot.Every},
	}}
	_, cal := render(t, thursdayAddress, every, ICSOptions{Now: now})

	got := eventDates(t, cal, "OM")
	if len(got) != 365 {
		t.Errorf("events = %d, want 365 for twelve months of daily collection", len(got))
	}
	if first := got[0]; first != "2026-12-30" {
		t.Errorf("first date = %s, want 2026-12-30, today in Martinique", first)
	}
	if last := got[len(got)-1]; last != "2027-12-29" {
		t.Errorf("last date = %s, want 2027-12-29", last)
	}
}

func TestICSErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  ICSOptions
		want error
		text string
	}{
		{"end before start", ICSOptions{From: date(2027, 1, 2), To: date(2027, 1, 1)}, ErrRange, "ends before"},
		{"too long", ICSOptions{From: date(2027, 1, 1), To: date(2037, 1, 1)}, ErrRange, "spans more than"},
		{"stream not collected", ICSOptions{Flux: "DV"}, ErrNoStream, "OM, RS, ENC"},
		{"unknown stream", ICSOptions{Flux: "XYZ"}, ErrNoStream, `"XYZ"`},
		{"relative URL", ICSOptions{PublicURL: "/adresse/x"}, nil, "absolute http"},
		{"javascript URL", ICSOptions{PublicURL: "javascript:alert(1)"}, nil, "absolute http"},
		{"URL with CRLF", ICSOptions{PublicURL: "https://a.example/\r\nEND:VCALENDAR"}, nil, "invalid calendar URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Now = stamp
			var buf bytes.Buffer
			err := WriteICS(&buf, thursdayAddress, thursdaySchedules, tt.opt)
			if err == nil {
				t.Fatalf("WriteICS succeeded, want an error containing %q", tt.text)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not match %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if buf.Len() != 0 {
				t.Errorf("WriteICS wrote %d bytes before failing, want none", buf.Len())
			}
		})
	}
}
