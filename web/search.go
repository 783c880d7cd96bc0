package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/collecte-cacem/collecte/snapshot"
)

// maxResults bounds the streets listed for one search.
const maxResults = 200

// maxQueryRunes bounds the query that the search reads. A longer query is
// cut, because no street name comes near that length.
const maxQueryRunes = 200

// street is an address with the folded words that the search matches.
type street struct {
	address snapshot.Address
	words   []string
}

// streets indexes addresses for the search, sorted by commune, quartier
// and street in folded order.
func streets(addresses []snapshot.Address) []street {
	out := make([]street, 0, len(addresses))
	for _, a := range addresses {
		out = append(out, street{address: a, words: words(a.Voie + " " + a.Quartier + " " + a.Commune)})
	}
	slices.SortStableFunc(out, func(x, y street) int {
		return cmp.Or(
			strings.Compare(snapshot.Fold(x.address.Commune), snapshot.Fold(y.address.Commune)),
			strings.Compare(snapshot.Fold(x.address.Quartier), snapshot.Fold(y.address.Quartier)),
			strings.Compare(snapshot.Fold(x.address.Voie), snapshot.Fold(y.address.Voie)),
			strings.Compare(x.address.Key, y.address.Key),
		)
	})
	return out
}

// words folds s with snapshot.Fold and splits it on every character other
// than a letter or a digit, so "Fort-de-France" gives "fort", "de" and
// "france".
func words(s string) []string {
	return strings.FieldsFunc(snapshot.Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// matches reports whether every query word is a part (a prefix, a suffix or
// any substring) of some word of the street.
func (s street) matches(query []string) bool {
	for _, q := range query {
		found := false
		for _, w := range s.words {
			if strings.Contains(w, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// searchStreets returns the streets matching every word of query, at most
// limit of them, and the number of matches in all.
func searchStreets(all []street, query string, limit int) (found []snapshot.Address, total int) {
	terms := words(truncateRunes(query, maxQueryRunes))
	if len(terms) == 0 {
		return nil, 0
	}
	for _, s := range all {
		if !s.matches(terms) {
			continue
		}
		total++
		if len(found) < limit {
			found = append(found, s.address)
		}
	}
	return found, total
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// communeGroup and quartierGroup arrange search results for the page.
type communeGroup struct {
	Commune   string
	Quartiers []quartierGroup
}

type quartierGroup struct {
	Quartier  string
	Addresses []snapshot.Address
}

// group splits addresses, already sorted by commune and quartier, into one
// group per commune and quartier, compared in folded form.
func group(addresses []snapshot.Address) []communeGroup {
	var out []communeGroup
	for _, a := range addresses {
		n := len(out)
		if n == 0 || snapshot.Fold(out[n-1].Commune) != snapshot.Fold(a.Commune) {
			out = append(out, communeGroup{Commune: a.Commune})
			n++
		}
		c := &out[n-1]
		m := len(c.Quartiers)
		if m == 0 || snapshot.Fold(c.Quartiers[m-1].Quartier) != snapshot.Fold(a.Quartier) {
			c.Quartiers = append(c.Quartiers, quartierGroup{Quartier: a.Quartier})
			m++
		}
		c.Quartiers[m-1].Addresses = append(c.Quartiers[m-1].Addresses, a)
	}
	return out
}

type searchPage struct {
	page
	Query  string
	Groups []communeGroup
	Shown  int
	Total  int
	Capped bool
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.currentOrError(w, r)
	if !ok {
		return
	}
	query := r.URL.Query().Get("q")
	found, total := searchStreets(cur.streets, query, maxResults)

	s.render(w, r, http.StatusOK, "search", searchPage{
		page:   s.newPage("Recherche d'une rue", "recherche"),
		Query:  truncateRunes(query, maxQueryRunes),
		Groups: group(found),
		Shown:  len(found),
		Total:  total,
		Capped: total > len(found),
	})
}
