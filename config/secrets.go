package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// SecretSource is the origin of one secret of the configuration: its
// environment variable or its file, and the outcome of reading it.
type SecretSource struct {
	// Key is the key naming the secret's file, such as
	// "smtp.password_file".
	Key string
	// Env is the environment variable that overrides the file, such as
	// COLLECTE_SMTP_PASSWORD.
	Env string
	// File is the file that Key names, empty when unset.
	File string
	// FromEnv is true when Env is set, in which case File is not read.
	FromEnv bool
	// Loaded is true when the secret was read, from Env or from File.
	Loaded bool
	// Err is the reason File could not be used, nil otherwise: the error
	// of reading it, or errEmptySecret.
	Err error
}

// errEmptySecret is the SecretSource.Err of a secret file that is empty.
var errEmptySecret = errors.New("the file is empty")

// loadError returns the error of Load for a secret that could not be
// read, with what to do about it, or nil.
func (s SecretSource) loadError() error {
	switch {
	case s.Err == nil:
		return nil
	case errors.Is(s.Err, errEmptySecret):
		return fmt.Errorf("read %s %s: %w: write the secret into it", s.Key, s.File, s.Err)
	}
	return fmt.Errorf("read %s: %w: create the file or unset the key", s.Key, s.Err)
}

// secretField is one secret of Config: its *_file key and its value.
type secretField struct {
	section, key string // "smtp", "password_file"
	env          string
	path         string
	value        *Secret
}

func (f secretField) dotted() string {
	if f.section == "" {
		return f.key
	}
	return f.section + "." + f.key
}

func secretFields(c *Config) []secretField {
	return []secretField{
		{"", "run_token_file", "COLLECTE_RUN_TOKEN", c.RunTokenFile, &c.RunToken},
		{"smtp", "password_file", "COLLECTE_SMTP_PASSWORD", c.SMTP.PasswordFile, &c.SMTP.Password},
		{"push", "token_file", "COLLECTE_PUSH_TOKEN", c.Push.TokenFile, &c.Push.Token},
	}
}

// readSecrets reads each secret that the environment left empty from its
// file, without the final line break, and returns where each one comes
// from. A file that cannot be read leaves the secret empty and sets Err.
func readSecrets(c *Config) []SecretSource {
	var out []SecretSource
	for _, f := range secretFields(c) {
		s := SecretSource{Key: f.dotted(), Env: f.env, File: f.path, FromEnv: *f.value != ""}
		switch {
		case s.FromEnv:
			s.Loaded = true
		case f.path != "":
			s.Err = readSecret(f)
			s.Loaded = s.Err == nil
		}
		out = append(out, s)
	}
	return out
}

func readSecret(f secretField) error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	*f.value = Secret(strings.TrimRight(string(data), "\r\n"))
	if *f.value == "" {
		return errEmptySecret
	}
	return nil
}

// comment describes in one line where the secret comes from, for the
// output of WriteYAML, or returns "" for a secret that is not set.
func (s SecretSource) comment() string {
	switch {
	case s.FromEnv && s.File != "":
		return fmt.Sprintf("secret from $%s: %s; this file is not read", s.Env, redacted)
	case s.FromEnv:
		return fmt.Sprintf("secret from $%s: %s", s.Env, redacted)
	case errors.Is(s.Err, errEmptySecret):
		return "secret file empty; collecte daemon fails at start unless it holds the secret"
	case s.Err != nil:
		return fmt.Sprintf("secret file not readable from here (%v); collecte daemon fails at start unless it can read it", s.Err)
	case s.Loaded:
		return "secret read from this file: " + redacted
	}
	return ""
}
