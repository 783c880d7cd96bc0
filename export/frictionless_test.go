package export

// This file is a test-only validator of Frictionless Data Package v1
// descriptors (https://specs.frictionlessdata.io/data-package/, Tabular Data
// Package, Table Schema and CSV Dialect), checking a descriptor and then
// every CSV row against it. It covers the parts of the specifications that a
// tabular package of string, integer, number, boolean and date fields uses.

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// namePattern is the package and resource name rule: lower case letters,
// digits, ".", "_" and "-".
var namePattern = regexp.MustCompile(`^[a-z0-9._-]+$`)

// semverPattern is the Semantic Versioning 2.0.0 rule that the specification
// recommends for version.
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// fieldTypes lists the Table Schema v1 field types.
var fieldTypes = []string{
	"string", "number", "integer", "boolean", "object", "array", "date", "time",
	"datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any",
}

// constraintTypes lists, for each constraint, the field types it applies
// to; nil means every type.
var constraintTypes = map[string][]string{
	"required":  nil,
	"unique":    nil,
	"enum":      nil,
	"minLength": {"string", "array", "object"},
	"maxLength": {"string", "array", "object"},
	"minimum":   {"integer", "number", "date", "time", "datetime", "year", "yearmonth"},
	"maximum":   {"integer", "number", "date", "time", "datetime", "year", "yearmonth"},
	"pattern":   {"string"},
}

// stringFormats lists the formats of a string field.
var stringFormats = []string{"", "default", "email", "uri", "binary", "uuid"}

type pkgDescriptor struct {
	Profile   string               `json:"profile"`
	Name      *string              `json:"name"`
	Version   string               `json:"version"`
	Sources   []map[string]string  `json:"sources"`
	Resources []resourceDescriptor `json:"resources"`
}

type resourceDescriptor struct {
	Name      string             `json:"name"`
	Path      string             `json:"path"`
	Profile   string             `json:"profile"`
	Format    string             `json:"format"`
	MediaType string             `json:"mediatype"`
	Encoding  string             `json:"encoding"`
	Dialect   *dialectDescriptor `json:"dialect"`
	Schema    *schemaDescriptor  `json:"schema"`
}

type dialectDescriptor struct {
	Delimiter      *string `json:"delimiter"`
	LineTerminator *string `json:"lineTerminator"`
	QuoteChar      *string `json:"quoteChar"`
	DoubleQuote    *bool   `json:"doubleQuote"`
	Header         *bool   `json:"header"`
}

type schemaDescriptor struct {
	Fields        []fieldDescriptor `json:"fields"`
	PrimaryKey    keyList           `json:"primaryKey"`
	ForeignKeys   []fkDescriptor    `json:"foreignKeys"`
	MissingValues *[]string         `json:"missingValues"`
}

type fieldDescriptor struct {
	Name        string                     `json:"name"`
	Type        string                     `json:"type"`
	Format      string                     `json:"format"`
	Constraints map[string]json.RawMessage `json:"constraints"`
}

type fkDescriptor struct {
	Fields    keyList `json:"fields"`
	Reference struct {
		Resource *string `json:"resource"`
		Fields   keyList `json:"fields"`
	} `json:"reference"`
}

// keyList is a Table Schema key: one field name or an array of them.
type keyList []string

func (k *keyList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*k = keyList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("key must be a string or an array of strings: %w", err)
	}
	*k = many
	return nil
}

// problems collects the violations found, each prefixed by where it is.
type problems []string

func (p *problems) add(where, format string, args ...any) {
	*p = append(*p, where+": "+fmt.Sprintf(format, args...))
}

// validateDescriptor decodes a datapackage.json and checks it against the
// Data Package, Tabular Data Package and Table Schema rules.
func validateDescriptor(raw []byte) (*pkgDescriptor, problems) {
	var p problems
	var pkg pkgDescriptor
	if err := json.Unmarshal(raw, &pkg); err != nil {
		p.add("datapackage.json", "invalid descriptor: %v", err)
		return nil, p
	}

	if pkg.Name != nil && !namePattern.MatchString(*pkg.Name) {
		p.add("package", "name %q does not match %s", *pkg.Name, namePattern)
	}
	if pkg.Version != "" && !semverPattern.MatchString(pkg.Version) {
		p.add("package", "version %q is not a semantic version", pkg.Version)
	}
	if pkg.Profile != "" && pkg.Profile != "data-package" && pkg.Profile != "tabular-data-package" {
		p.add("package", "unknown profile %q", pkg.Profile)
	}
	for i, s := range pkg.Sources {
		if s["title"] == "" {
			p.add(fmt.Sprintf("sources[%d]", i), "title is required")
		}
	}
	if len(pkg.Resources) == 0 {
		p.add("package", "resources is required and must not be empty")
	}

	names := map[string]bool{}
	for i, r := range pkg.Resources {
		where := fmt.Sprintf("resources[%d] %q", i, r.Name)
		if names[r.Name] {
			p.add(where, "name is not unique")
		}
		names[r.Name] = true
		checkResource(&p, where, r, pkg.Profile == "tabular-data-package")
	}
	for _, r := range pkg.Resources {
		if r.Schema != nil {
			checkForeignKeys(&p, r, pkg.Resources)
		}
	}
	return &pkg, p
}

func checkResource(p *problems, where string, r resourceDescriptor, tabular bool) {
	if !namePattern.MatchString(r.Name) {
		p.add(where, "name %q does not match %s", r.Name, namePattern)
	}
	checkPath(p, where, r.Path)
	if tabular && r.Profile != "tabular-data-resource" {
		p.add(where, "profile %q, want tabular-data-resource in a tabular data package", r.Profile)
	}
	if r.MediaType != "" && !regexp.MustCompile(`^[^/\s]+/[^/\s]+$`).MatchString(r.MediaType) {
		p.add(where, "mediatype %q is not type/subtype", r.MediaType)
	}
	if r.Encoding != "" && !strings.EqualFold(r.Encoding, "utf-8") {
		p.add(where, "encoding %q: this validator reads only utf-8", r.Encoding)
	}
	if r.Dialect != nil {
		checkDialect(p, where, *r.Dialect)
	}
	if r.Schema == nil {
		if tabular || r.Profile == "tabular-data-resource" {
			p.add(where, "schema is required for a tabular data resource")
		}
		return
	}
	checkSchema(p, where, *r.Schema)
}

// checkPath applies the rule of Data Resource paths: a relative POSIX path
// that does not start with "/" and contains no ".." segment.
func checkPath(p *problems, where, rp string) {
	switch {
	case rp == "":
		p.add(where, "path is required (this validator does not read inline data)")
	case strings.HasPrefix(rp, "/"), strings.Contains(rp, `\`):
		p.add(where, "path %q is not a relative POSIX path", rp)
	case slices.Contains(strings.Split(rp, "/"), ".."):
		p.add(where, "path %q contains ..", rp)
	case path.Clean(rp) != rp:
		p.add(where, "path %q is not clean", rp)
	}
}

func checkDialect(p *problems, where string, d dialectDescriptor) {
	oneChar := func(name string, v *string) {
		if v != nil && len([]rune(*v)) != 1 {
			p.add(where, "dialect %s %q must be one character", name, *v)
		}
	}
	oneChar("delimiter", d.Delimiter)
	oneChar("quoteChar", d.QuoteChar)
	if d.QuoteChar != nil && *d.QuoteChar != `"` {
		p.add(where, `dialect quoteChar %q: this validator reads only "`, *d.QuoteChar)
	}
	if d.DoubleQuote != nil && !*d.DoubleQuote {
		p.add(where, "dialect doubleQuote false: this validator reads only doubled quotes")
	}
	if d.LineTerminator != nil && *d.LineTerminator != "\n" && *d.LineTerminator != "\r\n" {
		p.add(where, "dialect lineTerminator %q, want LF or CRLF", *d.LineTerminator)
	}
}

func checkSchema(p *problems, where string, s schemaDescriptor) {
	if len(s.Fields) == 0 {
		p.add(where, "schema fields is required and must not be empty")
	}
	names := map[string]bool{}
	for _, f := range s.Fields {
		fw := fmt.Sprintf("%s field %q", where, f.Name)
		if f.Name == "" {
			p.add(fw, "name is required")
		}
		if names[f.Name] {
			p.add(fw, "name is not unique")
		}
		names[f.Name] = true
		checkField(p, fw, f)
	}
	checkKey(p, where+" primaryKey", s.PrimaryKey, names)
	for i, fk := range s.ForeignKeys {
		checkKey(p, fmt.Sprintf("%s foreignKeys[%d]", where, i), fk.Fields, names)
	}
}

func checkKey(p *problems, where string, key keyList, names map[string]bool) {
	seen := map[string]bool{}
	for _, k := range key {
		if !names[k] {
			p.add(where, "field %q is not in the schema", k)
		}
		if seen[k] {
			p.add(where, "field %q appears twice", k)
		}
		seen[k] = true
	}
}

func checkField(p *problems, where string, f fieldDescriptor) {
	if !slices.Contains(fieldTypes, f.Type) {
		p.add(where, "type %q is not a Table Schema type", f.Type)
		return
	}
	if f.Type == "string" && !slices.Contains(stringFormats, f.Format) {
		p.add(where, "format %q is not a string format", f.Format)
	}
	for name, raw := range f.Constraints {
		types, known := constraintTypes[name]
		switch {
		case !known:
			p.add(where, "unknown constraint %q", name)
		case types != nil && !slices.Contains(types, f.Type):
			p.add(where, "constraint %s does not apply to type %s", name, f.Type)
		default:
			checkConstraintValue(p, where, f, name, raw)
		}
	}
}

func checkConstraintValue(p *problems, where string, f fieldDescriptor, name string, raw json.RawMessage) {
	switch name {
	case "required", "unique":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			p.add(where, "constraint %s must be a boolean, got %s", name, raw)
		}
	case "minLength", "maxLength":
		var n uint
		if json.Unmarshal(raw, &n) != nil {
			p.add(where, "constraint %s must be a non-negative integer, got %s", name, raw)
		}
	case "pattern":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			p.add(where, "constraint pattern must be a string, got %s", raw)
		} else if _, err := compileXSD(s); err != nil {
			p.add(where, "constraint pattern %q: %v", s, err)
		}
	case "enum":
		checkEnum(p, where, f, raw)
	}
}

func checkEnum(p *problems, where string, f fieldDescriptor, raw json.RawMessage) {
	var values []any
	if json.Unmarshal(raw, &values) != nil || len(values) == 0 {
		p.add(where, "constraint enum must be a non-empty array, got %s", raw)
		return
	}
	seen := map[string]bool{}
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			// A string field's enum holds its logical values, strings.
			if f.Type == "string" {
				p.add(where, "enum value %v is not a string", v)
			}
			continue
		}
		if seen[s] {
			p.add(where, "enum value %q appears twice", s)
		}
		seen[s] = true
		if err := castError(f, s); err != nil {
			p.add(where, "enum value %q: %v", s, err)
		}
	}
}

func checkForeignKeys(p *problems, r resourceDescriptor, all []resourceDescriptor) {
	for i, fk := range r.Schema.ForeignKeys {
		where := fmt.Sprintf("resource %q foreignKeys[%d]", r.Name, i)
		if fk.Reference.Resource == nil {
			p.add(where, "reference resource is required")
			continue
		}
		target, ok := findResource(all, *fk.Reference.Resource, r)
		if !ok {
			p.add(where, "reference resource %q does not exist", *fk.Reference.Resource)
			continue
		}
		if len(fk.Fields) != len(fk.Reference.Fields) || len(fk.Fields) == 0 {
			p.add(where, "fields %v and reference fields %v differ in length", fk.Fields, fk.Reference.Fields)
		}
		if target.Schema == nil {
			p.add(where, "reference resource %q has no schema", target.Name)
			continue
		}
		for _, name := range fk.Reference.Fields {
			if fieldIndex(*target.Schema, name) < 0 {
				p.add(where, "reference field %q is not in resource %q", name, target.Name)
			}
		}
	}
}

// findResource returns the resource that a foreign key names; "" names the
// resource of the key itself.
func findResource(all []resourceDescriptor, name string, self resourceDescriptor) (resourceDescriptor, bool) {
	if name == "" {
		return self, true
	}
	for _, r := range all {
		if r.Name == name {
			return r, true
		}
	}
	return resourceDescriptor{}, false
}

func fieldIndex(s schemaDescriptor, name string) int {
	return slices.IndexFunc(s.Fields, func(f fieldDescriptor) bool { return f.Name == name })
}
