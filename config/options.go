package config

import (
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/crawler"
)

// Option is one configuration key of the table that Options returns.
type Option struct {
	// Key is the YAML key, dotted below a mapping ("smtp.host") and with
	// "[]" for the items of a list ("watchers[].email").
	Key string
	// Default is the value used when no source sets the key, as text.
	Default string
	// Doc is a one-line description with its unit or accepted values.
	Doc string
	// Env is the environment variable that overrides the file, empty for a
	// key that only the file sets.
	Env string
	// Flag is the command-line flag name without dashes, empty when none.
	Flag string
	// Secret marks a value that is never printed or logged.
	Secret bool

	get   func(c *Config) string
	set   func(c *Config, v string) error
	check func(c *Config) error
}

// Options returns the table of every configuration key, in the order of
// the documentation.
func Options() []Option {
	return options
}

var options = []Option{
	str("source", crawler.SourceV1, checkSource,
		"site generation to crawl: cacem-v1 (api.cacem.fr, in use since 2024) or cacem-legacy (2021 site)",
		func(c *Config) *string { return &c.Source }),
	str("url", "", checkBaseURL,
		"base URL of the site; empty selects the real URL of the source",
		func(c *Config) *string { return &c.URL }),
	str("archive", "/var/lib/collecte/archive", checkRequired,
		"archive directory, a bare git repository created on first use",
		func(c *Config) *string { return &c.Archive }),
	str("schedule", "0 6 * * *", checkSchedule,
		`crawl schedule: a 5-field cron spec or a descriptor such as "@every 6h" or "@daily"`,
		func(c *Config) *string { return &c.Schedule }),
	str("timezone", "America/Martinique", checkTimezone,
		"IANA time zone in which the schedule is evaluated",
		func(c *Config) *string { return &c.Timezone }),
	dur("jitter", 0, checkNonNegative,
		"random delay from 0 up to this duration added before each scheduled run, such as 5m",
		func(c *Config) *time.Duration { return &c.Jitter }),
	boolean("run_at_start", false,
		"run a crawl as soon as the daemon starts, besides the schedule",
		func(c *Config) *bool { return &c.RunAtStart }),
	str("listen", "127.0.0.1:8080", checkListen,
		"host:port of the HTTP server (health, metrics, feeds, web view); loopback by default",
		func(c *Config) *string { return &c.Listen }),
	str("public_url", "", checkPublicURL,
		"public base URL of the HTTP server, for links in feeds and e-mails; empty selects http://LISTEN",
		func(c *Config) *string { return &c.PublicURL }),
	str("run_token_file", "", nil,
		"file holding the bearer token of POST /run; without a token the endpoint is disabled",
		func(c *Config) *string { return &c.RunTokenFile }),
	secret("run_token", "COLLECTE_RUN_TOKEN",
		"bearer token of POST /run, from the environment only; overrides run_token_file",
		func(c *Config) *Secret { return &c.RunToken }),
	num("parallel", crawler.DefaultParallel, between("parallel", 1, 64),
		"maximum requests in flight on the site",
		func(c *Config) *int { return &c.Parallel }),
	dur("delay", crawler.DefaultDelay, checkNonNegative,
		"pause after each request on the site, such as 500ms; 0 for none",
		func(c *Config) *time.Duration { return &c.Delay }),
	dur("timeout", crawler.DefaultTimeout, checkPositive,
		"time limit of one request, body included, such as 30s",
		func(c *Config) *time.Duration { return &c.Timeout }),
	str("user_agent", "", CheckUserAgent,
		"User-Agent header; empty selects collecte, its version and project URL",
		func(c *Config) *string { return &c.UserAgent }),
	num("alert_after", 3, between("alert_after", 1, 1000),
		"consecutive failed runs after which the operator is alerted once",
		func(c *Config) *int { return &c.AlertAfter }),
	str("operator_email", "", checkOptionalAddress,
		"address that receives failure alerts, recovery messages and sudden-drop alerts, and that watchers' messages name for unsubscribing; empty sends no alert",
		func(c *Config) *string { return &c.OperatorEmail }),
	str("log_level", "info", checkOneOf("debug", "info", "warn", "error"),
		"log level: debug, info, warn or error",
		func(c *Config) *string { return &c.LogLevel }),
	str("log_format", "text", checkOneOf("text", "json"),
		"log format: text or json",
		func(c *Config) *string { return &c.LogFormat }),

	str("smtp.host", "", nil,
		"SMTP server host name; empty disables every e-mail",
		func(c *Config) *string { return &c.SMTP.Host }),
	num("smtp.port", 587, between("smtp.port", 1, 65535),
		"SMTP server port: usually 587 with starttls, 465 with tls",
		func(c *Config) *int { return &c.SMTP.Port }),
	str("smtp.username", "", nil,
		"SMTP user name; empty sends without authentication",
		func(c *Config) *string { return &c.SMTP.Username }),
	str("smtp.password_file", "", nil,
		"file holding the SMTP password",
		func(c *Config) *string { return &c.SMTP.PasswordFile }),
	secret("smtp.password", "COLLECTE_SMTP_PASSWORD",
		"SMTP password, from the environment only; overrides smtp.password_file",
		func(c *Config) *Secret { return &c.SMTP.Password }),
	str("smtp.from", "", checkOptionalAddress,
		"From address of every message, such as collecte@example.org",
		func(c *Config) *string { return &c.SMTP.From }),
	str("smtp.tls", "starttls", checkOneOf("starttls", "tls", "none"),
		"connection security: starttls, tls (implicit TLS) or none (loopback servers only when authenticating)",
		func(c *Config) *string { return &c.SMTP.TLS }),

	list("watchers", "people told of the changes they follow, one e-mail per change commit"),
	list("watchers[].email", "address of the watcher (required)"),
	list("watchers[].communes", "communes followed, compared without regard to case, accents, spaces and punctuation, as adresse_key is built"),
	list("watchers[].quartiers", "quartiers followed, compared as communes are"),
	list("watchers[].adresses", "adresse_key values followed"),
	list("watchers[].flux", "streams kept among the changes above (OM, RS, ENC, DV, DEEE); empty keeps all"),

	str("push.url", "", checkPushURL,
		"git remote that receives the archive after each commit (https://, ssh://, file:// or a path); empty disables the push",
		func(c *Config) *string { return &c.Push.URL }),
	str("push.branch", "main", checkBranch,
		"remote branch that receives main",
		func(c *Config) *string { return &c.Push.Branch }),
	str("push.token_file", "", nil,
		"file holding the token of an HTTPS remote, sent as the basic-auth password",
		func(c *Config) *string { return &c.Push.TokenFile }),
	secret("push.token", "COLLECTE_PUSH_TOKEN",
		"token of an HTTPS remote, from the environment only; overrides push.token_file",
		func(c *Config) *Secret { return &c.Push.Token }),
	str("push.ssh_key_file", "", nil,
		"private key file of an SSH remote",
		func(c *Config) *string { return &c.Push.SSHKeyFile }),
}

// envName returns the environment variable of key: COLLECTE_ followed by
// the key in upper case with dots turned into underscores.
func envName(key string) string {
	return "COLLECTE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// flagName returns the flag of key: dots and underscores turned into dashes.
func flagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}
