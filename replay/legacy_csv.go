package replay

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// legacyColumns are the columns of the flattened generation-1 CSV, in the
// order in which a row is read. The file may list them in any order.
var legacyColumns = []string{
	"commune_id", "commune_name", "quartier_id", "quartier_name",
	"adresse_id", "adresse_name", "type_collecte", "jour", "type_semaine",
}

// legacyRow is one CSV row with its ids parsed.
type legacyRow struct {
	commune  LegacyCommune
	quartier LegacyQuartier
	adresse  LegacyAdresse
	title    string
	day      string
	weekType string
}

// collecteKey identifies the group of rows that makes one collectes item.
type collecteKey struct {
	title    string
	weekType string
}

// legacyBuilder collects the rows of the CSV into a Legacy.
type legacyBuilder struct {
	communes  map[int]LegacyCommune
	quartiers map[int]LegacyQuartier
	adresses  map[int]LegacyAdresse
	// items and order keep, per address, each group's days and the order in
	// which the groups first appear.
	items map[int]map[collecteKey][]string
	order map[int][]collecteKey
}

// LegacyFromCSV rebuilds a generation-1 site from the flattened CSV of the
// 2021 crawl (columns commune_id, commune_name, quartier_id, quartier_name,
// adresse_id, adresse_name, type_collecte, jour, type_semaine).
//
// Rows are grouped by (adresse_id, type_collecte, type_semaine) into one
// collectes item whose days are the group's jour values in CSV order. An
// address's items come in the order of their first row, and communes,
// quartiers and addresses are sorted by id. An id that appears with two
// different names or parents is an error naming the line.
func LegacyFromCSV(r io.Reader) (*Legacy, error) {
	reader := csv.NewReader(r)
	reader.ReuseRecord = true

	header, err := reader.Read()
	if err != nil {
		return nil, fmt.Errorf("read legacy CSV header: %w", err)
	}
	index, err := columnIndex(header)
	if err != nil {
		return nil, err
	}

	b := newLegacyBuilder()
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read legacy CSV: %w", err)
		}

		line, _ := reader.FieldPos(0)
		row, err := parseLegacyRow(record, index)
		if err != nil {
			return nil, fmt.Errorf("legacy CSV line %d: %w", line, err)
		}
		if err := b.add(row); err != nil {
			return nil, fmt.Errorf("legacy CSV line %d: %w", line, err)
		}
	}

	return b.legacy(), nil
}

// columnIndex maps each of legacyColumns to its position in header.
func columnIndex(header []string) ([]int, error) {
	position := map[string]int{}
	for i, name := range header {
		name = strings.TrimPrefix(name, "\ufeff")
		position[strings.TrimSpace(name)] = i
	}

	index := make([]int, len(legacyColumns))
	for i, name := range legacyColumns {
		p, ok := position[name]
		if !ok {
			return nil, fmt.Errorf("legacy CSV header %q: missing column %q", header, name)
		}
		index[i] = p
	}

	return index, nil
}

func parseLegacyRow(record []string, index []int) (legacyRow, error) {
	field := func(i int) string { return record[index[i]] }

	ids := make([]int, 3)
	for n, i := range []int{0, 2, 4} {
		id, err := strconv.Atoi(field(i))
		if err != nil {
			return legacyRow{}, fmt.Errorf("invalid %s %q: %w", legacyColumns[i], field(i), err)
		}
		ids[n] = id
	}

	return legacyRow{
		commune:  LegacyCommune{ID: ids[0], Name: field(1)},
		quartier: LegacyQuartier{ID: ids[1], Name: field(3), CommuneID: ids[0]},
		adresse:  LegacyAdresse{ID: ids[2], Name: field(5), QuartierID: ids[1]},
		title:    field(6),
		day:      field(7),
		weekType: field(8),
	}, nil
}

func newLegacyBuilder() *legacyBuilder {
	return &legacyBuilder{
		communes:  map[int]LegacyCommune{},
		quartiers: map[int]LegacyQuartier{},
		adresses:  map[int]LegacyAdresse{},
		items:     map[int]map[collecteKey][]string{},
		order:     map[int][]collecteKey{},
	}
}

func (b *legacyBuilder) add(row legacyRow) error {
	if err := addUnique(b.communes, row.commune.ID, row.commune, "commune"); err != nil {
		return err
	}
	if err := addUnique(b.quartiers, row.quartier.ID, row.quartier, "quartier"); err != nil {
		return err
	}
	if err := addUnique(b.adresses, row.adresse.ID, row.adresse, "adresse"); err != nil {
		return err
	}

	id := row.adresse.ID
	key := collecteKey{title: row.title, weekType: row.weekType}
	if b.items[id] == nil {
		b.items[id] = map[collecteKey][]string{}
	}
	if _, seen := b.items[id][key]; !seen {
		b.order[id] = append(b.order[id], key)
	}
	b.items[id][key] = append(b.items[id][key], row.day)

	return nil
}

// addUnique stores value under id, or returns an error if id already maps to
// a different value.
func addUnique[T comparable](m map[int]T, id int, value T, kind string) error {
	earlier, ok := m[id]
	if ok && earlier != value {
		return fmt.Errorf("%s %d is %+v here but %+v on an earlier line", kind, id, value, earlier)
	}

	m[id] = value
	return nil
}

func (b *legacyBuilder) legacy() *Legacy {
	l := &Legacy{
		Communes:  sortedByID(b.communes, func(c LegacyCommune) int { return c.ID }),
		Quartiers: sortedByID(b.quartiers, func(q LegacyQuartier) int { return q.ID }),
		Adresses:  sortedByID(b.adresses, func(a LegacyAdresse) int { return a.ID }),
		Collectes: make(map[int][]LegacyCollecte, len(b.order)),
	}

	for id, keys := range b.order {
		items := make([]LegacyCollecte, len(keys))
		for i, key := range keys {
			items[i] = LegacyCollecte{Title: key.title, Days: b.items[id][key], WeekType: key.weekType}
		}
		l.Collectes[id] = items
	}

	return l
}

func sortedByID[T any](m map[int]T, id func(T) int) []T {
	values := make([]T, 0, len(m))
	for _, v := range m {
		values = append(values, v)
	}

	slices.SortFunc(values, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return values
}
