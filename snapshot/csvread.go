package snapshot

import (
	"errors"
	"fmt"
	"strings"
)

// csvReader reads the CSV files that Encode writes: RFC 4180 quoting with
// LF line endings. It exists because encoding/csv drops a carriage return
// before a line feed even inside a quoted field, and street names published
// by the CACEM contain "\r\n": read back with encoding/csv they would no
// longer be the names the site published.
type csvReader struct {
	data []byte
	pos  int
	line int
}

var errBareQuote = errors.New(`bare " in an unquoted field`)

// next returns the fields of the next record and the line it starts on, or
// done at the end of the data.
func (r *csvReader) next() (fields []string, line int, done bool, err error) {
	if r.pos >= len(r.data) {
		return nil, 0, true, nil
	}
	r.line++
	line = r.line
	for {
		field, end, err := r.field()
		if err != nil {
			return nil, line, false, fmt.Errorf("line %d: %w", line, err)
		}
		fields = append(fields, field)
		if end {
			return fields, line, false, nil
		}
	}
}

// field reads one field and the separator after it; end is true when the
// separator ended the record.
func (r *csvReader) field() (value string, end bool, err error) {
	if r.pos < len(r.data) && r.data[r.pos] == '"' {
		return r.quoted()
	}

	start := r.pos
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ',':
			r.pos++
			return string(r.data[start : r.pos-1]), false, nil
		case '\n':
			r.pos++
			return string(r.data[start : r.pos-1]), true, nil
		case '"':
			return "", false, errBareQuote
		}
		r.pos++
	}
	return string(r.data[start:]), true, nil
}

func (r *csvReader) quoted() (string, bool, error) {
	var b strings.Builder
	r.pos++
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		r.pos++
		if c == '\n' {
			r.line++
		}
		if c != '"' {
			b.WriteByte(c)
			continue
		}
		if r.pos < len(r.data) && r.data[r.pos] == '"' {
			b.WriteByte('"')
			r.pos++
			continue
		}
		end, err := r.separator()
		return b.String(), end, err
	}
	return "", false, errors.New("quoted field not closed")
}

// separator consumes what follows a closing quote: a comma, a line feed or
// the end of the data.
func (r *csvReader) separator() (bool, error) {
	if r.pos >= len(r.data) {
		return true, nil
	}
	c := r.data[r.pos]
	r.pos++
	switch c {
	case ',':
		return false, nil
	case '\n':
		return true, nil
	}
	return false, fmt.Errorf("unexpected %q after a closing quote", c)
}
