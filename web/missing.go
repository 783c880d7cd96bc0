package web

import (
	"net/http"
	"strings"

	"github.com/collecte-cacem/collecte/snapshot"
)

// maxMissingRows bounds the rows of the missing-collections table. The CSV
// download has every row.
const maxMissingRows = 2000

type missingPage struct {
	page
	Communes []option
	Streams  []option
	Commune  string
	Flux     string
	Rows     []missingRow
	Total    int
	Capped   bool
}

// option is one choice of a filter list.
type option struct {
	Value    string
	Label    string
	Selected bool
}

type missingRow struct {
	Address snapshot.Address
	Flux    string
}

// missingFilter is the commune and stream chosen in the query string. An
// empty field keeps every value.
type missingFilter struct {
	commune string
	flux    string
}

func parseMissingFilter(r *http.Request) missingFilter {
	q := r.URL.Query()
	return missingFilter{
		commune: truncateRunes(q.Get("commune"), maxQueryRunes),
		flux:    truncateRunes(strings.ToUpper(strings.TrimSpace(q.Get("flux"))), maxQueryRunes),
	}
}

// filter returns the missing collections of cur that f keeps, with the
// commune compared in folded form.
func (f missingFilter) filter(cur *current) []snapshot.Missing {
	commune := snapshot.Fold(f.commune)
	var out []snapshot.Missing
	for _, m := range cur.missing {
		if f.flux != "" && m.Flux != f.flux {
			continue
		}
		if commune != "" && snapshot.Fold(cur.index[m.Key].Commune) != commune {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (s *server) missing(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return
	}
	f := parseMissingFilter(r)
	kept := f.filter(cur)

	rows := make([]missingRow, 0, min(len(kept), maxMissingRows))
	for _, m := range kept[:min(len(kept), maxMissingRows)] {
		rows = append(rows, missingRow{Address: cur.index[m.Key], Flux: m.Flux})
	}
	s.render(w, r, http.StatusOK, "missing", missingPage{
		page:     s.newPage("Collectes manquantes", "manquantes"),
		Communes: communeOptions(cur.communes, f.commune),
		Streams:  streamOptions(cur.snap.Streams(), f.flux),
		Commune:  f.commune,
		Flux:     f.flux,
		Rows:     rows,
		Total:    len(kept),
		Capped:   len(kept) > len(rows),
	})
}

func (s *server) missingCSV(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return
	}
	kept := parseMissingFilter(r).filter(cur)
	data, err := snapshot.EncodeMissing(kept, cur.index)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="collectes-manquantes.csv"`)
	w.Write(data)
}

func communeOptions(communes []string, chosen string) []option {
	out := []option{{Value: "", Label: "Toutes les communes", Selected: chosen == ""}}
	for _, c := range communes {
		out = append(out, option{Value: c, Label: c, Selected: chosen != "" && snapshot.Fold(c) == snapshot.Fold(chosen)})
	}
	return out
}

func streamOptions(codes []string, chosen string) []option {
	out := []option{{Value: "", Label: "Toutes les collectes", Selected: chosen == ""}}
	for _, code := range codes {
		out = append(out, option{Value: code, Label: snapshot.StreamName(code), Selected: code == chosen})
	}
	return out
}
