package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/calendar"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

// upcomingDays is how far ahead the address page lists collection dates,
// and upcomingDates how many dates it lists per stream.
const (
	upcomingDays  = 35
	upcomingDates = 4
)

// weekOrder lists the days of a week grid from Monday to Sunday.
var weekOrder = []time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday,
	time.Friday, time.Saturday, time.Sunday,
}

type addressPage struct {
	page
	Address   snapshot.Address
	Today     time.Time
	Week      int
	EvenWeek  bool
	Days      []dayHeading
	Grids     []weekGrid
	Streams   []streamDates
	History   []historyEntry
	FeedURL   string
	ICSURL    string
	SnapshotH string
}

// dayHeading is one column of the week grid.
type dayHeading struct {
	Name  string
	Short string
}

// weekGrid is the schedule of even or odd weeks: one row per stream, one
// cell per day from Monday to Sunday.
type weekGrid struct {
	Title   string
	Current bool
	Rows    []gridRow
}

type gridRow struct {
	Stream string
	Cells  []bool
}

// streamDates is the schedule of one stream in words and its next dates.
type streamDates struct {
	Code     string
	Name     string
	Schedule string
	Dates    []time.Time
}

func (s *server) address(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if key, ok := strings.CutSuffix(file, ".ics"); ok {
		s.addressICS(w, r, key)
		return
	}
	if !snapshot.ValidKey(file) {
		s.addressNotFound(w, r)
		return
	}
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return
	}
	addr, found := cur.index[file]
	if !found {
		s.removedOrNotFound(w, r, file)
		return
	}
	history, err := s.history(addr.Key)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	today := s.today()
	_, week := today.ISOWeek()
	slots := cur.schedules[addr.Key]
	streams := cur.snap.Streams()
	s.render(w, r, http.StatusOK, "address", addressPage{
		page:      s.newPage(addr.Voie, ""),
		Address:   addr,
		Today:     today,
		Week:      week,
		EvenWeek:  week%2 == 0,
		Days:      dayHeadings(),
		Grids:     weekGrids(streams, slots, week%2 == 0),
		Streams:   upcoming(streams, slots, today),
		History:   history,
		FeedURL:   s.publicURL + "/feed.atom?adresse=" + addr.Key,
		ICSURL:    s.publicURL + "/adresse/" + addr.Key + ".ics",
		SnapshotH: cur.commit.Hash,
	})
}

// lookup validates an address key and finds it in the current snapshot, or
// answers with a 404 page and returns false.
func (s *server) lookup(w http.ResponseWriter, r *http.Request, key string) (*current, snapshot.Address, bool) {
	if !snapshot.ValidKey(key) {
		s.addressNotFound(w, r)
		return nil, snapshot.Address{}, false
	}
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return nil, snapshot.Address{}, false
	}
	addr, found := cur.index[key]
	if !found {
		s.addressNotFound(w, r)
		return nil, snapshot.Address{}, false
	}
	return cur, addr, true
}

// removedPage is the page of an address that an earlier snapshot had and
// HEAD lacks.
type removedPage struct {
	page
	Removal   diff.Change
	RemovedIn archive.Commit
	History   []historyEntry
	FeedURL   string
}

// removedOrNotFound writes the response for a key missing from HEAD: the page
// of a removed address with status 410 when the archive records its removal,
// else the 404 page.
func (s *server) removedOrNotFound(w http.ResponseWriter, r *http.Request, key string) {
	history, err := s.history(key)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	removal, ok := lastRemoval(history)
	if !ok {
		s.addressNotFound(w, r)
		return
	}

	s.render(w, r, http.StatusGone, "removed", removedPage{
		page:      s.newPage(removal.Voie, ""),
		Removal:   removal,
		RemovedIn: history[0].Commit,
		History:   history,
		FeedURL:   s.publicURL + "/feed.atom?adresse=" + key,
	})
}

// lastRemoval returns the address_removed change of the newest snapshot of
// history, newest first, when that snapshot removed the address.
func lastRemoval(history []historyEntry) (diff.Change, bool) {
	if len(history) == 0 {
		return diff.Change{}, false
	}
	for _, c := range history[0].Changes {
		if c.Kind == diff.KindAddressRemoved {
			return c, true
		}
	}
	return diff.Change{}, false
}

func (s *server) addressNotFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Adresse introuvable",
		"Le dernier relevé ne contient pas cette adresse. Elle a peut-être été retirée ou renommée : cherchez la rue depuis la page de recherche.")
}

// today returns midnight of the current date in the zone of the pages.
func (s *server) today() time.Time {
	now := s.now().In(s.loc)
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.loc)
}

func dayHeadings() []dayHeading {
	out := make([]dayHeading, 0, len(weekOrder))
	for _, d := range weekOrder {
		name := snapshot.DayName(d)
		out = append(out, dayHeading{Name: name, Short: name[:2]})
	}
	return out
}

// weekGrids builds the grids of even and odd weeks, the current one first
// marked as such.
func weekGrids(streams []string, slots map[string][]snapshot.Slot, even bool) []weekGrid {
	grids := []weekGrid{
		{Title: "Semaines paires", Current: even, Rows: gridRows(streams, slots, snapshot.Even)},
		{Title: "Semaines impaires", Current: !even, Rows: gridRows(streams, slots, snapshot.Odd)},
	}
	return grids
}

func gridRows(streams []string, slots map[string][]snapshot.Slot, parity snapshot.Weeks) []gridRow {
	rows := make([]gridRow, 0, len(streams))
	for _, code := range streams {
		row := gridRow{Stream: snapshot.StreamName(code), Cells: make([]bool, len(weekOrder))}
		for _, slot := range slots[code] {
			if slot.Weeks == snapshot.Every || slot.Weeks == parity {
				row.Cells[snapshot.DayRank(slot.Day)] = true
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// upcoming lists the schedule and the next dates of every stream collected
// somewhere in the network, from today on.
func upcoming(streams []string, slots map[string][]snapshot.Slot, today time.Time) []streamDates {
	out := make([]streamDates, 0, len(streams))
	for _, code := range streams {
		sd := streamDates{
			Code:     code,
			Name:     snapshot.StreamName(code),
			Schedule: frenchSlots(slots[code]),
			Dates:    calendar.Dates(slots[code], today, today.AddDate(0, 0, upcomingDays)),
		}
		if len(sd.Dates) > upcomingDates {
			sd.Dates = sd.Dates[:upcomingDates]
		}
		if len(sd.Dates) == 0 {
			if next, ok := calendar.Next(slots[code], today); ok {
				sd.Dates = []time.Time{next}
			}
		}
		out = append(out, sd)
	}
	return out
}
