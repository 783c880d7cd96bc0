package snapshot

import (
	"errors"
	"fmt"
	"slices"
)

// DecodeError reports a row of an archived CSV file that does not hold a
// valid snapshot.
type DecodeError struct {
	Path string
	Line int
	Err  error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decode %s line %d: %v", e.Path, e.Line, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads a snapshot back from the files that Encode wrote. Only the
// addresses and rules files are read: the missing-collections file is
// derived from them.
func Decode(files map[string][]byte) (*Snapshot, error) {
	s := &Snapshot{}
	index := map[string]Address{}

	err := readCSV(files, AddressesPath, addressColumns, func(line int, f []string) error {
		a := Address{Key: f[0], ID: f[1], Commune: f[2], Quartier: f[3], Voie: f[4]}
		if !ValidKey(a.Key) {
			return fmt.Errorf("invalid adresse_key %q", a.Key)
		}
		if _, dup := index[a.Key]; dup {
			return fmt.Errorf("duplicate adresse_key %q", a.Key)
		}
		index[a.Key] = a
		s.Addresses = append(s.Addresses, a)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = readCSV(files, RulesPath, ruleColumns, func(line int, f []string) error {
		r, err := parseRule(f, index)
		if err != nil {
			return err
		}
		s.Rules = append(s.Rules, r)
		return nil
	})
	if err != nil {
		return nil, err
	}

	s.sort()
	return s, nil
}

func parseRule(f []string, index map[string]Address) (Rule, error) {
	if _, ok := index[f[0]]; !ok {
		return Rule{}, fmt.Errorf("adresse_key %q is not in %s", f[0], AddressesPath)
	}
	day, ok := ParseDay(f[6])
	if !ok {
		return Rule{}, fmt.Errorf("invalid jour %q: want Lundi to Dimanche", f[6])
	}
	weeks, ok := ParseWeeks(f[7])
	if !ok {
		return Rule{}, fmt.Errorf("invalid semaine %q: want toutes, paire or impaire", f[7])
	}
	if f[5] == "" {
		return Rule{}, errors.New("empty flux")
	}
	return Rule{Key: f[0], Flux: f[5], Day: day, Weeks: weeks}, nil
}

// readCSV checks the header of one file and calls row for every record,
// with the line it starts on.
func readCSV(files map[string][]byte, path string, header []string, row func(int, []string) error) error {
	data, ok := files[path]
	if !ok {
		return fmt.Errorf("decode snapshot: %s is missing", path)
	}

	r := &csvReader{data: data}
	first, _, done, err := r.next()
	if err != nil || done {
		return &DecodeError{Path: path, Line: 1, Err: errors.Join(errors.New("no header"), err)}
	}
	if !slices.Equal(first, header) {
		return &DecodeError{Path: path, Line: 1, Err: fmt.Errorf("header %q, want %q", first, header)}
	}

	for {
		fields, line, done, err := r.next()
		switch {
		case err != nil:
			return &DecodeError{Path: path, Line: line, Err: err}
		case done:
			return nil
		case len(fields) != len(header):
			return &DecodeError{Path: path, Line: line,
				Err: fmt.Errorf("%d fields, want %d", len(fields), len(header))}
		}
		if err := row(line, fields); err != nil {
			return &DecodeError{Path: path, Line: line, Err: err}
		}
	}
}
