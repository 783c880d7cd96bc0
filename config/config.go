// Package config reads the configuration of the collecte daemon: one YAML
// file, overridden by the environment and then by command-line flags, with
// secrets read from files or the environment. Every option is declared once,
// in the table returned by Options, with its default, its validation and its
// documentation. The help text and the README table are generated from it.
//
// Precedence, highest first: flags, environment, file, defaults.
package config

import (
	"log/slog"
	"time"

	"github.com/collecte-cacem/collecte/diff"
)

// Config is the effective configuration of the daemon. Load fills every
// field, defaults included, and validates it.
type Config struct {
	Source     string        `yaml:"source"`
	URL        string        `yaml:"url"`
	Archive    string        `yaml:"archive"`
	Schedule   string        `yaml:"schedule"`
	Timezone   string        `yaml:"timezone"`
	Jitter     time.Duration `yaml:"jitter"`
	RunAtStart bool          `yaml:"run_at_start"`

	Listen       string `yaml:"listen"`
	PublicURL    string `yaml:"public_url"`
	RunTokenFile string `yaml:"run_token_file"`
	RunToken     Secret `yaml:"-"`

	Parallel  int           `yaml:"parallel"`
	Delay     time.Duration `yaml:"delay"`
	Timeout   time.Duration `yaml:"timeout"`
	UserAgent string        `yaml:"user_agent"`

	AlertAfter    int    `yaml:"alert_after"`
	OperatorEmail string `yaml:"operator_email"`

	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`

	SMTP     SMTP      `yaml:"smtp"`
	Watchers []Watcher `yaml:"watchers"`
	Push     Push      `yaml:"push"`

	// Location is the loaded Timezone.
	Location *time.Location `yaml:"-"`
}

// SMTP is the mail server that sends watcher messages and operator alerts.
type SMTP struct {
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"`
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	Password     Secret `yaml:"-"`
	From         string `yaml:"from"`
	// TLS is "starttls", "tls" (implicit TLS) or "none".
	TLS string `yaml:"tls"`
}

// Watcher is one e-mail recipient and the changes it follows.
type Watcher struct {
	Email          string `yaml:"email"`
	diff.Selection `yaml:",inline"`
}

// Push is the optional git remote that receives the archive after each
// commit. An empty URL disables the push.
type Push struct {
	URL        string `yaml:"url"`
	Branch     string `yaml:"branch"`
	TokenFile  string `yaml:"token_file"`
	Token      Secret `yaml:"-"`
	SSHKeyFile string `yaml:"ssh_key_file"`
}

// Secret is a password or token. It prints, logs and marshals as
// "[redacted]". The configuration file cannot set it, because secrets
// belong in their own file or in the environment.
type Secret string

// redacted replaces a secret in every output.
const redacted = "[redacted]"

// String returns "[redacted]" for a set secret and "" for an empty one.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Reveal returns the secret itself, for the code that sends it.
func (s Secret) Reveal() string {
	return string(s)
}

// MarshalText writes the secret redacted, so that JSON and text encoders
// never see it.
func (s Secret) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// LogValue keeps the secret out of log/slog output.
func (s Secret) LogValue() slog.Value {
	return slog.StringValue(s.String())
}
