package export

// The row half of the test-only Frictionless validator: it reads each CSV
// resource with its dialect and checks every cell against its field, then
// primary keys and foreign keys across resources.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// table is one resource read back: its header and rows.
type table struct {
	header []string
	rows   [][]string
}

// validateData checks the files of a package against a descriptor that
// validateDescriptor accepted, and returns the rows read per resource.
func validateData(pkg *pkgDescriptor, files map[string][]byte) (map[string]int, problems) {
	var p problems
	tables := map[string]table{}
	for _, r := range pkg.Resources {
		t, ok := readTable(&p, r, files)
		if !ok {
			continue
		}
		tables[r.Name] = t
		checkRows(&p, r, t)
	}
	for _, r := range pkg.Resources {
		checkReferences(&p, r, pkg.Resources, tables)
	}

	counts := map[string]int{}
	for name, t := range tables {
		counts[name] = len(t.rows)
	}
	return counts, p
}

func readTable(p *problems, r resourceDescriptor, files map[string][]byte) (table, bool) {
	where := fmt.Sprintf("resource %q (%s)", r.Name, r.Path)
	data, ok := files[r.Path]
	if !ok {
		p.add(where, "file does not exist")
		return table{}, false
	}
	if !utf8.Valid(data) {
		p.add(where, "file is not valid UTF-8")
	}
	if r.Dialect != nil && r.Dialect.LineTerminator != nil && *r.Dialect.LineTerminator == "\n" &&
		crOutsideQuotes(data) {
		p.add(where, "dialect lineTerminator is LF but the file holds CR between rows")
	}

	cr := csv.NewReader(bytes.NewReader(data))
	if r.Dialect != nil && r.Dialect.Delimiter != nil {
		cr.Comma, _ = utf8.DecodeRuneInString(*r.Dialect.Delimiter)
	}
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		p.add(where, "invalid CSV: %v", err)
		return table{}, false
	}
	if r.Dialect != nil && r.Dialect.Header != nil && !*r.Dialect.Header {
		return table{rows: records}, true
	}
	if len(records) == 0 {
		p.add(where, "header row is missing")
		return table{}, false
	}
	return table{header: records[0], rows: records[1:]}, true
}

// crOutsideQuotes reports a CR outside a quoted cell: a CR inside quotes is
// part of a value, such as a street name published on two lines.
func crOutsideQuotes(data []byte) bool {
	quoted := false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\r' && !quoted:
			return true
		}
	}
	return false
}

func checkRows(p *problems, r resourceDescriptor, t table) {
	s := r.Schema
	where := fmt.Sprintf("resource %q", r.Name)
	if t.header != nil && !slices.Equal(t.header, fieldNames(*s)) {
		p.add(where, "header %v, want the schema's field names %v", t.header, fieldNames(*s))
	}
	missing := missingValues(*s)
	rules := compileRules(*s)

	for i, row := range t.rows {
		if len(row) != len(s.Fields) {
			p.add(fmt.Sprintf("%s row %d", where, i+1), "%d cells, want %d", len(row), len(s.Fields))
			continue
		}
		for j, rule := range rules {
			if msg := rule.check(row[j], missing); msg != "" {
				p.add(fmt.Sprintf("%s row %d field %q", where, i+1, rule.name), "%s", msg)
			}
		}
	}
	checkPrimaryKey(p, where, *s, t.rows, missing)
}

func fieldNames(s schemaDescriptor) []string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return names
}

// missingValues returns the strings read as null, [""] by default.
func missingValues(s schemaDescriptor) []string {
	if s.MissingValues == nil {
		return []string{""}
	}
	return *s.MissingValues
}

// fieldRules is the constraints of one field, decoded once for all rows.
type fieldRules struct {
	name                 string
	field                fieldDescriptor
	required, unique     bool
	enum                 []string
	pattern              *regexp.Regexp
	minLength, maxLength *int
	seen                 map[string]bool
}

func compileRules(s schemaDescriptor) []*fieldRules {
	out := make([]*fieldRules, len(s.Fields))
	for i, f := range s.Fields {
		rule := &fieldRules{name: f.Name, field: f, seen: map[string]bool{}}
		rule.required = hasFlag(f, "required")
		rule.unique = hasFlag(f, "unique")
		_ = json.Unmarshal(f.Constraints["enum"], &rule.enum)
		_ = json.Unmarshal(f.Constraints["minLength"], &rule.minLength)
		_ = json.Unmarshal(f.Constraints["maxLength"], &rule.maxLength)

		var pattern string
		if json.Unmarshal(f.Constraints["pattern"], &pattern) == nil && pattern != "" {
			// An invalid pattern is reported by validateDescriptor.
			rule.pattern, _ = compileXSD(pattern)
		}
		out[i] = rule
	}
	return out
}

// check returns the violation of one cell, or "" for a valid cell.
func (r *fieldRules) check(v string, missing []string) string {
	if slices.Contains(missing, v) {
		if r.required {
			return "value is required"
		}
		return ""
	}
	if err := castError(r.field, v); err != nil {
		return fmt.Sprintf("%q: %v", v, err)
	}

	n := utf8.RuneCountInString(v)
	switch {
	case r.enum != nil && !slices.Contains(r.enum, v):
		return fmt.Sprintf("%q is not in enum %v", v, r.enum)
	case r.pattern != nil && !r.pattern.MatchString(v):
		return fmt.Sprintf("%q does not match pattern %s", v, r.field.Constraints["pattern"])
	case r.minLength != nil && n < *r.minLength:
		return fmt.Sprintf("%q is shorter than minLength %d", v, *r.minLength)
	case r.maxLength != nil && n > *r.maxLength:
		return fmt.Sprintf("%q is longer than maxLength %d", v, *r.maxLength)
	case r.unique && r.seen[v]:
		return fmt.Sprintf("%q is not unique", v)
	}
	if r.unique {
		r.seen[v] = true
	}
	return ""
}

func hasFlag(f fieldDescriptor, name string) bool {
	var b bool
	return json.Unmarshal(f.Constraints[name], &b) == nil && b
}

var errUnsupportedType = errors.New("type not supported by this validator")

// castError checks that v is a valid physical value of the field's type,
// with the default format and options of Table Schema v1.
func castError(f fieldDescriptor, v string) error {
	var err error
	switch f.Type {
	case "string", "any":
		if f.Format == "uuid" && !regexp.MustCompile(`^[0-9a-fA-F-]{36}$`).MatchString(v) {
			err = errors.New("not a uuid")
		}
	case "integer":
		_, err = strconv.ParseInt(v, 10, 64)
	case "number":
		_, err = strconv.ParseFloat(v, 64)
	case "boolean":
		if !slices.Contains([]string{"true", "True", "TRUE", "1", "false", "False", "FALSE", "0"}, v) {
			err = errors.New("not a boolean")
		}
	case "date":
		_, err = time.Parse(time.DateOnly, v)
	default:
		err = errUnsupportedType
	}
	if err != nil {
		return fmt.Errorf("invalid %s: %w", f.Type, err)
	}
	return nil
}

// checkPrimaryKey checks that the key's fields are never null and that no
// two rows share the same values.
func checkPrimaryKey(p *problems, where string, s schemaDescriptor, rows [][]string, missing []string) {
	if len(s.PrimaryKey) == 0 {
		return
	}
	seen := map[string]int{}
	for i, row := range rows {
		tuple, ok := keyTuple(s, s.PrimaryKey, row)
		if !ok {
			continue
		}
		for j, v := range tuple {
			if slices.Contains(missing, v) {
				p.add(where, "row %d: primary key field %q is null", i+1, s.PrimaryKey[j])
			}
		}
		id := strings.Join(tuple, "\x00")
		if first, dup := seen[id]; dup {
			p.add(where, "row %d repeats the primary key %v of row %d", i+1, tuple, first)
		} else {
			seen[id] = i + 1
		}
	}
}

// keyTuple returns the values of the key fields in row.
func keyTuple(s schemaDescriptor, key keyList, row []string) ([]string, bool) {
	out := make([]string, len(key))
	for i, name := range key {
		j := fieldIndex(s, name)
		if j < 0 || j >= len(row) {
			return nil, false
		}
		out[i] = row[j]
	}
	return out, true
}

// checkReferences checks that every foreign key of r points at a row of
// the referenced resource. A key whose fields are all null is skipped.
func checkReferences(p *problems, r resourceDescriptor, all []resourceDescriptor, tables map[string]table) {
	for _, fk := range r.Schema.ForeignKeys {
		if fk.Reference.Resource == nil {
			continue
		}
		target, ok := findResource(all, *fk.Reference.Resource, r)
		rows, read := tables[r.Name]
		targetRows, targetRead := tables[target.Name]
		if !ok || !read || !targetRead {
			continue
		}

		known := map[string]bool{}
		for _, row := range targetRows.rows {
			if t, ok := keyTuple(*target.Schema, fk.Reference.Fields, row); ok {
				known[strings.Join(t, "\x00")] = true
			}
		}
		missing := missingValues(*r.Schema)
		for i, row := range rows.rows {
			t, ok := keyTuple(*r.Schema, fk.Fields, row)
			if !ok || allMissing(t, missing) {
				continue
			}
			if !known[strings.Join(t, "\x00")] {
				p.add(fmt.Sprintf("resource %q row %d", r.Name, i+1),
					"foreign key %v = %v not found in resource %q", fk.Fields, t, target.Name)
			}
		}
	}
}

func allMissing(values, missing []string) bool {
	for _, v := range values {
		if !slices.Contains(missing, v) {
			return false
		}
	}
	return true
}

// compileXSD translates an XML Schema regular expression, the dialect of
// Table Schema patterns, into an anchored Go regexp. XML Schema matches the
// whole value, has no anchors (^ and $ are plain characters outside a class),
// and gives \d, \s, \w and "." wider or narrower meanings than Go, so those
// are rewritten. Class subtraction and the \i \c name escapes have no Go
// form and are rejected.
func compileXSD(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			esc, err := xsdEscape(pattern[i], inClass)
			if err != nil {
				return nil, err
			}
			b.WriteString(esc)
		case c == '[' && inClass:
			return nil, errors.New("class subtraction has no Go equivalent")
		case c == '[':
			inClass = true
			b.WriteByte(c)
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case (c == '^' || c == '$') && !inClass:
			b.WriteString(`\` + string(c))
		case c == '.' && !inClass:
			b.WriteString(`[^\n\r]`)
		default:
			b.WriteByte(c)
		}
	}
	return regexp.Compile(`^(?:` + b.String() + `)$`)
}

func xsdEscape(c byte, inClass bool) (string, error) {
	switch c {
	case 'i', 'I', 'c', 'C':
		return "", fmt.Errorf(`escape \%c has no Go equivalent`, c)
	case 'd':
		return `\p{Nd}`, nil
	case 'D':
		return `\P{Nd}`, nil
	case 's':
		if inClass {
			return `\t\n\r `, nil
		}
		return `[\t\n\r ]`, nil
	case 'w', 'W', 'S':
		if inClass {
			return "", fmt.Errorf(`escape \%c inside a class is not translated`, c)
		}
		return map[byte]string{'w': `[^\p{P}\p{Z}\p{C}]`, 'W': `[\p{P}\p{Z}\p{C}]`, 'S': `[^\t\n\r ]`}[c], nil
	}
	return `\` + string(c), nil
}
