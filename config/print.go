package config

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Precedence is the sentence that the help text and the README give.
const Precedence = "Precedence, highest first: command-line flags, environment,\n" +
	"configuration file, defaults. Secrets come from the environment variable\n" +
	"when it is set, else from their *_file key."

// WriteYAML writes c as YAML that Load accepts. Each *_file key of a
// secret gets a comment saying where the secret comes from, as secrets
// reports it: the environment variable or the file, with the value shown
// as "[redacted]", or why the file is not readable.
func WriteYAML(w io.Writer, c *Config, secrets []SecretSource) error {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}

	for _, s := range secrets {
		section, key, found := strings.Cut(s.Key, ".")
		if !found {
			section, key = "", s.Key
		}
		if comment := s.comment(); comment != "" {
			annotate(&root, section, key, comment)
		}
	}

	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	return enc.Close()
}

// annotate adds a line comment to key in the mapping section ("" for the
// top level).
func annotate(root *yaml.Node, section, key, comment string) {
	m := root
	if section != "" {
		m = lookup(root, section)
	}
	if v := lookup(m, key); v != nil {
		v.LineComment = comment
	}
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// WriteHelp writes the table of keys as plain text for the help of the
// config and daemon commands.
func WriteHelp(w io.Writer) {
	fmt.Fprintf(w, "Configuration keys. %s\n\n", Precedence)
	for _, o := range options {
		fmt.Fprintf(w, "  %s", o.Key)
		if o.Default != "" {
			fmt.Fprintf(w, " (default %s)", o.Default)
		}
		fmt.Fprintf(w, "\n      %s\n", o.Doc)
		if where := o.sources(); where != "" {
			fmt.Fprintf(w, "      set by %s\n", where)
		}
	}
}

// sources names the environment variable and flag of o.
func (o Option) sources() string {
	var parts []string
	if o.Env != "" && o.set != nil {
		parts = append(parts, "$"+o.Env)
	}
	if o.Flag != "" {
		parts = append(parts, "--"+o.Flag)
	}
	return strings.Join(parts, ", ")
}

// WriteMarkdown writes the table of keys as a Markdown table, for the
// README.
func WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| key | default | environment | flag | description |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, o := range options {
		env, fl := "", ""
		if o.Env != "" {
			env = "`" + o.Env + "`"
		}
		if o.Flag != "" {
			fl = "`--" + o.Flag + "`"
		}
		def := ""
		if o.Default != "" {
			def = "`" + o.Default + "`"
		}
		doc := strings.ReplaceAll(o.Doc, "|", `\|`)
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", o.Key, def, env, fl, doc)
	}
}

// RegisterFlags declares one flag per key that flags may set, and records
// the value of every flag given on the command line into values, keyed by
// the option key. Pass values to Sources.Flags after fs.Parse.
func RegisterFlags(fs *flag.FlagSet, values map[string]string) {
	for _, o := range options {
		if o.Flag == "" || o.set == nil {
			continue
		}
		key := o.Key
		record := func(v string) error {
			values[key] = v
			return nil
		}
		usage := fmt.Sprintf("%s (key %s)", o.Doc, o.Key)
		if o.Default == "true" || o.Default == "false" {
			fs.BoolFunc(o.Flag, usage, record)
			continue
		}
		fs.Func(o.Flag, usage, record)
	}
}
