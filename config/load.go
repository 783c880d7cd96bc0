package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/collecte-cacem/collecte/crawler"
)

// Sources are the inputs of Load. Each overrides the previous one, in the
// order defaults, File, Getenv, Flags.
type Sources struct {
	// File is the YAML configuration file; empty reads none.
	File string

	// Getenv looks up an environment variable, as os.LookupEnv does; nil
	// reads no environment.
	Getenv func(key string) (string, bool)

	// Flags maps option keys ("smtp.host") to values set on the command
	// line. RegisterFlags fills it.
	Flags map[string]string
}

// Defaults returns the configuration that applies when no source sets
// anything, before validation.
func Defaults() *Config {
	c := &Config{}
	for _, o := range options {
		if o.set != nil && o.Default != "" {
			_ = o.set(c, o.Default)
		}
	}
	return c
}

// ErrInvalid matches, with errors.Is, every error of Load and Inspect and
// every error that Invalid marks: the configuration cannot be used as it
// is, so restarting the program does not help.
var ErrInvalid = errors.New("invalid configuration")

// Invalid marks err as a configuration error that matches ErrInvalid,
// keeping its message and what it wraps. It returns nil for a nil err.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return configError{err}
}

type configError struct{ err error }

func (e configError) Error() string   { return e.err.Error() }
func (e configError) Unwrap() []error { return []error{e.err, ErrInvalid} }

// Load builds the effective configuration from src, reads the secrets,
// resolves the derived defaults and validates every key. An unknown key in
// the file is an error naming the key and its line, and so is a secret
// file that cannot be read. Every error matches ErrInvalid.
func Load(src Sources) (*Config, error) {
	c, secrets, err := Inspect(src)
	if err != nil {
		return nil, err
	}
	for _, s := range secrets {
		if err := s.loadError(); err != nil {
			return nil, Invalid(err)
		}
	}
	return c, nil
}

// Inspect is Load for a configuration checked away from the secrets, such
// as outside the systemd unit that receives the secret files: a secret
// file that cannot be read is reported in its SecretSource instead of
// failing. Every error matches ErrInvalid.
func Inspect(src Sources) (*Config, []SecretSource, error) {
	c := Defaults()

	if src.File != "" {
		if err := readFile(src.File, c); err != nil {
			return nil, nil, Invalid(err)
		}
	}
	if err := apply(c, src.Getenv, src.Flags); err != nil {
		return nil, nil, Invalid(err)
	}

	if err := validate(c); err != nil {
		return nil, nil, Invalid(err)
	}
	secrets := readSecrets(c)
	if err := resolve(c); err != nil {
		return nil, nil, Invalid(err)
	}
	return c, secrets, nil
}

func readFile(path string, c *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	defer f.Close()

	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	err = dec.Decode(c)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read configuration %s: %s", path, explainYAML(err))
	}
	return nil
}

// unknownField matches the message of yaml.v3 for a key that KnownFields
// rejects, such as "line 3: field smtp_host not found in type config.Config".
var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type config\.(\w+)`)

// sections maps the Go type of a mapping to its key prefix.
var sections = map[string]string{"Config": "", "SMTP": "smtp.", "Push": "push.", "Watcher": "watchers[]."}

// explainYAML rewrites the unknown-key errors of yaml.v3 with the dotted
// key and what to do.
func explainYAML(err error) string {
	msg := unknownField.ReplaceAllStringFunc(err.Error(), func(m string) string {
		parts := unknownField.FindStringSubmatch(m)
		key := sections[parts[3]] + parts[2]
		hint := `run "collecte config --help" for the valid keys`
		if isSecretKey(key) {
			hint = "secrets are not read from the configuration file: use " + secretSources(key)
		}
		return fmt.Sprintf("line %s: unknown key %q: %s", parts[1], key, hint)
	})
	return strings.TrimPrefix(msg, "yaml: ")
}

func isSecretKey(key string) bool {
	for _, o := range options {
		if o.Secret && o.Key == key {
			return true
		}
	}
	return false
}

func secretSources(key string) string {
	for _, o := range options {
		if o.Secret && o.Key == key {
			return fmt.Sprintf("%s_file or the environment variable %s", key, o.Env)
		}
	}
	return ""
}

// apply sets the keys found in the environment, then those of the flags.
func apply(c *Config, getenv func(string) (string, bool), flags map[string]string) error {
	for _, o := range options {
		if o.set == nil || getenv == nil || o.Env == "" {
			continue
		}
		if v, ok := getenv(o.Env); ok && v != "" {
			if err := o.set(c, v); err != nil {
				return &InvalidError{Key: o.Key + " (from " + o.Env + ")", Value: redactIf(o, v), Reason: err.Error()}
			}
		}
	}

	for _, o := range options {
		v, ok := flags[o.Key]
		if !ok || o.set == nil {
			continue
		}
		if err := o.set(c, v); err != nil {
			return &InvalidError{Key: o.Key + " (from --" + o.Flag + ")", Value: v, Reason: err.Error()}
		}
	}
	return nil
}

func redactIf(o Option, v string) string {
	if o.Secret {
		return redacted
	}
	return v
}

// resolve fills the defaults that depend on other keys.
func resolve(c *Config) error {
	if c.URL == "" {
		u, err := crawler.DefaultURL(c.Source)
		if err != nil {
			return err
		}
		c.URL = u
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")

	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return &InvalidError{Key: "timezone", Value: c.Timezone, Reason: err.Error()}
	}
	c.Location = loc
	return nil
}
