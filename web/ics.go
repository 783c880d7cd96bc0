package web

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/collecte-cacem/collecte/calendar"
)

// addressICS serves the iCalendar file of one address: its collection
// dates for twelve months from today, every stream or only the one named by
// the "flux" query parameter.
func (s *server) addressICS(w http.ResponseWriter, r *http.Request, key string) {
	cur, addr, ok := s.lookup(w, r, key)
	if !ok {
		return
	}
	opt := calendar.ICSOptions{
		Flux: strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("flux"))),
		Now:  s.now,
	}
	if s.publicURL != "" {
		opt.PublicURL = s.publicURL + addressURL(addr.Key)
	}

	var b bytes.Buffer
	err := calendar.WriteICS(&b, addr, cur.schedules[addr.Key], opt)
	if errors.Is(err, calendar.ErrNoStream) {
		s.errorPage(w, r, http.StatusNotFound, "Collecte inconnue à cette adresse",
			"Cette adresse n'a aucun jour de collecte pour le flux demandé. Le calendrier sans paramètre contient toutes ses collectes.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+addr.Key+`.ics"`)
	w.Write(b.Bytes())
}
