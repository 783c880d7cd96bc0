package snapshot

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// Paths of the files that Encode writes, relative to the archive root.
const (
	AddressesPath = "data/adresses.csv"
	RulesPath     = "data/collectes.csv"
	MissingPath   = "data/collectes-manquantes.csv"
	PackagePath   = "datapackage.json"
)

// Column names of the three CSV files.
var (
	addressColumns = []string{"adresse_key", "adresse_id", "commune", "quartier", "voie"}
	ruleColumns    = append(addressColumns[:5:5], "flux", "jour", "semaine")
	missingColumns = append(addressColumns[:5:5], "flux")
)

// Encode renders a snapshot as the files of the archive: the three CSV files
// under data/ and datapackage.json. The output depends only on the content
// of s: UTF-8 without BOM, RFC 4180 quoting and LF line endings.
func Encode(s *Snapshot) (map[string][]byte, error) {
	index := make(map[string]Address, len(s.Addresses))
	for _, a := range s.Addresses {
		index[a.Key] = a
	}

	addresses, err := encodeAddresses(s.Addresses)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", AddressesPath, err)
	}
	rules, err := encodeRules(s.Rules, index)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", RulesPath, err)
	}
	missing, err := EncodeMissing(s.Missing(), index)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", MissingPath, err)
	}
	pkg, err := encodePackage(s.Streams())
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", PackagePath, err)
	}

	return map[string][]byte{
		AddressesPath: addresses,
		RulesPath:     rules,
		MissingPath:   missing,
		PackagePath:   pkg,
	}, nil
}

func encodeAddresses(addresses []Address) ([]byte, error) {
	return writeCSV(addressColumns, len(addresses), func(i int) ([]string, error) {
		return addressFields(addresses[i]), nil
	})
}

func encodeRules(rules []Rule, index map[string]Address) ([]byte, error) {
	return writeCSV(ruleColumns, len(rules), func(i int) ([]string, error) {
		r := rules[i]
		a, ok := index[r.Key]
		if !ok {
			return nil, fmt.Errorf("rule for unknown address %q", r.Key)
		}
		return append(addressFields(a), r.Flux, DayName(r.Day), string(r.Weeks)), nil
	})
}

// EncodeMissing renders a missing-collections list as the CSV file
// data/collectes-manquantes.csv, with the names taken from index.
func EncodeMissing(missing []Missing, index map[string]Address) ([]byte, error) {
	return writeCSV(missingColumns, len(missing), func(i int) ([]string, error) {
		m := missing[i]
		a, ok := index[m.Key]
		if !ok {
			return nil, fmt.Errorf("missing collection for unknown address %q", m.Key)
		}
		return append(addressFields(a), m.Flux), nil
	})
}

func addressFields(a Address) []string {
	return []string{a.Key, a.ID, a.Commune, a.Quartier, a.Voie}
}

func writeCSV(header []string, n int, row func(int) ([]string, error)) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for i := range n {
		fields, err := row(i)
		if err != nil {
			return nil, err
		}
		if err := w.Write(fields); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
