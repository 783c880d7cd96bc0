package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // America/Martinique without a system zone database

	"github.com/collecte-cacem/collecte/snapshot"
)

// MaxDays is the longest range, in days, that WriteICS renders. It bounds
// the size of a calendar requested with arbitrary dates: three years of five
// streams collected every day would be about 5,500 events.
const MaxDays = 3 * 366

// Errors returned by WriteICS, wrapped with the value involved.
var (
	// ErrRange reports a range that ends before it starts or spans more
	// than MaxDays.
	ErrRange = errors.New("invalid date range")

	// ErrNoStream reports a requested stream that the address has no
	// collection day for.
	ErrNoStream = errors.New("no collection of this stream at this address")

	// ErrURL reports a calendar URL that is not an absolute http or https
	// URL.
	ErrURL = errors.New("invalid calendar URL")
)

// ICSOptions selects what WriteICS renders.
type ICSOptions struct {
	// From and To are the first and last dates of the calendar, both
	// included. Only their year, month and day count, read in their own
	// location, and the days are those of America/Martinique. A zero From
	// means today in America/Martinique, and a zero To means the day before
	// From plus twelve months.
	From, To time.Time

	// Flux is the stream code to render, such as "OM". Empty means every
	// stream of the address.
	Flux string

	// PublicURL, when set, is written as the URL of the calendar and of
	// every event, such as the address page. It must be an absolute http or
	// https URL, and is written as ParseURL returns it.
	PublicURL string

	// Now returns the time written in DTSTAMP and used for a zero From.
	// Nil means time.Now.
	Now func() time.Time
}

// event is one all-day collection of one stream.
type event struct {
	date time.Time
	flux string
}

// WriteICS writes the iCalendar file (RFC 5545) of one address: one all-day
// event per collection date and stream, listed one by one, because an
// "every 14 days" recurrence drifts after an ISO year of 53 weeks. schedules
// maps stream codes to the slots of the address, as Snapshot.Schedules
// returns them for its key.
func WriteICS(w io.Writer, a snapshot.Address, schedules map[string][]snapshot.Slot, opt ICSOptions) error {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	from, to, err := icsRange(opt, now())
	if err != nil {
		return err
	}
	publicURL, err := ParseURL(opt.PublicURL)
	if err != nil {
		return err
	}

	streams, err := selectStreams(schedules, opt.Flux)
	if err != nil {
		return fmt.Errorf("calendar of address %s: %w", a.Key, err)
	}
	events := collectEvents(schedules, streams, from, to)

	lw := newLineWriter(w)
	writeHeader(lw, a, publicURL)
	stamp := now().UTC().Format("20060102T150405Z")
	for _, e := range events {
		writeEvent(lw, a, e, stamp, publicURL)
	}
	lw.line("END", "VCALENDAR")
	return lw.flush()
}

// icsRange returns the first and last days of the calendar at midnight in
// America/Martinique.
func icsRange(opt ICSOptions, now time.Time) (from, to time.Time, err error) {
	loc := zone()
	from = midnight(now.In(loc), loc)
	if !opt.From.IsZero() {
		from = midnight(opt.From, loc)
	}
	to = from.AddDate(0, 12, -1)
	if !opt.To.IsZero() {
		to = midnight(opt.To, loc)
	}

	if to.Before(from) {
		return from, to, fmt.Errorf("%w: %s ends before %s", ErrRange,
			to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if to.After(from.AddDate(0, 0, MaxDays-1)) {
		return from, to, fmt.Errorf("%w: %s to %s spans more than %d days", ErrRange,
			from.Format(time.DateOnly), to.Format(time.DateOnly), MaxDays)
	}
	return from, to, nil
}

// ParseURL checks that raw is empty or an absolute http or https URL
// without control characters, and returns it as the value of a URL
// property. That value is a URI (RFC 5545 section 3.3.13 refers to RFC
// 3986), so the characters outside the URI syntax, such as spaces, quotes,
// angle brackets and non-ASCII letters, are percent-encoded. A URI value
// has no TEXT escaping, and the line writer folds it.
func ParseURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrURL, raw, errors.Unwrap(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w %q: want an absolute http or https URL", ErrURL, raw)
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	return u.String(), nil
}

// escapeQuery percent-encodes the bytes of a raw query that RFC 3986
// section 3.4 does not allow there, keeping the existing escapes.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if queryChar(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// queryChar reports whether c may appear as is in a URI query: unreserved
// characters, sub-delims, ":", "@", "/", "?" and the "%" of an escape.
func queryChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0
}

// selectStreams returns the streams to render in StreamLess order.
func selectStreams(schedules map[string][]snapshot.Slot, flux string) ([]string, error) {
	var codes []string
	for code, slots := range schedules {
		if len(slots) > 0 {
			codes = append(codes, code)
		}
	}
	slices.SortFunc(codes, compareStreams)

	if flux == "" {
		return codes, nil
	}
	if !slices.Contains(codes, flux) {
		return nil, fmt.Errorf("stream %q: %w (collected there: %s)",
			flux, ErrNoStream, listOrNone(codes))
	}
	return []string{flux}, nil
}

func listOrNone(codes []string) string {
	if len(codes) == 0 {
		return "none"
	}
	return strings.Join(codes, ", ")
}

func compareStreams(a, b string) int {
	switch {
	case a == b:
		return 0
	case snapshot.StreamLess(a, b):
		return -1
	}
	return 1
}

// collectEvents lists the events by date, then stream.
func collectEvents(schedules map[string][]snapshot.Slot, streams []string, from, to time.Time) []event {
	var events []event
	for _, code := range streams {
		for _, d := range Dates(schedules[code], from, to) {
			events = append(events, event{date: d, flux: code})
		}
	}
	slices.SortStableFunc(events, func(x, y event) int {
		return x.date.Compare(y.date)
	})
	return events
}

func writeHeader(lw *lineWriter, a snapshot.Address, publicURL string) {
	name := "Collecte des déchets : " + placeName(a)
	lw.line("BEGIN", "VCALENDAR")
	lw.line("VERSION", "2.0")
	lw.line("PRODID", "-//collecte//Jours de collecte CACEM//FR")
	lw.line("CALSCALE", "GREGORIAN")
	lw.line("METHOD", "PUBLISH")
	lw.text("NAME", name)
	lw.text("X-WR-CALNAME", name)
	lw.text("DESCRIPTION", "Jours de collecte publiés par la CACEM pour "+placeName(a))
	lw.line("X-WR-TIMEZONE", "America/Martinique")
	// RFC 7986 section 5.7 REFRESH-INTERVAL asks subscribers to refresh
	// daily, so that a new snapshot reaches them within a day.
	lw.line("REFRESH-INTERVAL;VALUE=DURATION", "P1D")
	lw.line("X-PUBLISHED-TTL", "P1D")
	if publicURL != "" {
		lw.line("URL", publicURL)
	}
}

func writeEvent(lw *lineWriter, a snapshot.Address, e event, stamp, publicURL string) {
	_, week := e.date.ISOWeek()
	lw.line("BEGIN", "VEVENT")
	lw.text("UID", UID(a.Key, e.flux, e.date))
	lw.line("DTSTAMP", stamp)
	lw.line("DTSTART;VALUE=DATE", e.date.Format("20060102"))
	lw.line("DTEND;VALUE=DATE", e.date.AddDate(0, 0, 1).Format("20060102"))
	lw.text("SUMMARY", "Collecte : "+snapshot.StreamName(e.flux))
	lw.text("LOCATION", placeName(a))
	lw.text("DESCRIPTION", fmt.Sprintf("%s\nSemaine %d (%s)", placeName(a), week, parityName(week)))
	lw.text("CATEGORIES", e.flux)
	lw.line("TRANSP", "TRANSPARENT")
	if publicURL != "" {
		lw.line("URL", publicURL)
	}
	lw.line("END", "VEVENT")
}

// UID returns the identifier of the event of one address, stream and date:
// the date, the stream code and a hash of the address key, such as
// "20261231-OM-3f2a…@collecte". It depends on nothing else, so an event keeps
// its UID across regenerations and snapshots.
func UID(key, flux string, date time.Time) string {
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%s-%s-%s@collecte", date.Format("20060102"), flux, hex.EncodeToString(sum[:8]))
}

// placeName names the street as "voie, quartier, commune" on one line:
// every run of whitespace, line breaks included, becomes one space, and
// empty names are left out.
func placeName(a snapshot.Address) string {
	var parts []string
	for _, p := range []string{a.Voie, a.Quartier, a.Commune} {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func parityName(week int) string {
	if week%2 == 0 {
		return "paire"
	}
	return "impaire"
}

// zone returns America/Martinique, the zone of the territory, from the
// database that the time/tzdata import embeds.
func zone() *time.Location {
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		panic("time zone database lacks America/Martinique: " + err.Error())
	}
	return loc
}
