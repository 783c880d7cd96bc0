// Package notify sends an e-mail to each watcher for each commit of the
// archive whose change report has changes that the watcher follows, and
// records the deliveries in a state file so that a restart neither re-sends
// nor skips a message.
package notify

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/feed"
)

// The values of SMTP.TLS.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// SMTP is the mail server that messages go through.
type SMTP struct {
	// Host is the server name or IP address.
	Host string
	// Port defaults to 587 for "starttls", 465 for "tls" and 25 for "none".
	Port int
	// Username and Password authenticate when Username is not empty.
	Username, Password string
	// From is the sender address, such as "collecte <collecte@example.org>".
	From string
	// TLS is "starttls" (the default when empty), "tls" (implicit TLS) or
	// "none". With "none", credentials are accepted only for a loopback host.
	TLS string
	// TLSConfig overrides the TLS settings, such as the trusted roots. Nil
	// means the system roots and Host as the server name.
	TLSConfig *tls.Config
	// Timeout bounds the connection and each command. Zero means 30 seconds.
	Timeout time.Duration
}

// Watcher is one recipient and the changes it follows.
type Watcher struct {
	Email     string
	Selection diff.Selection
}

// Options sets up a Notifier.
type Options struct {
	SMTP     SMTP
	Watchers []Watcher
	// PublicURL is the base of the links to the web view and the feeds.
	PublicURL string
	// OperatorEmail is the address that watchers write to in order to
	// stop receiving messages. When set, it fills the List-Unsubscribe
	// header (RFC 2369) and the closing line of each message. When empty,
	// the closing line tells the reader to ask the person who runs the
	// service.
	OperatorEmail string
	// StatePath is the JSON file of the deliveries, kept beside the archive.
	StatePath string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now. Tests set it to move the retry clock.
	Now func() time.Time
	// Backoff returns the wait before the next try of a message after the
	// given number of failed attempts. Nil means a wait that doubles from
	// one minute up to six hours.
	Backoff func(attempts int) time.Duration
	// Location is the zone of the dates in messages. Nil means
	// America/Martinique.
	Location *time.Location
}

// Notifier delivers the change e-mails. Its methods may be called from
// several goroutines: Deliver calls run one at a time.
type Notifier struct {
	opt   Options
	links feed.Links
	log   *slog.Logger
	mu    sync.Mutex
	state *state
}

// Validate checks the settings of opt, as New does before it reads the
// state file. It fails on an invalid e-mail address, naming it, and on
// credentials that would cross the network without TLS.
func (opt Options) Validate() error {
	if err := opt.SMTP.validate(len(opt.Watchers) > 0); err != nil {
		return err
	}
	if opt.OperatorEmail != "" {
		addr, err := mail.ParseAddress(opt.OperatorEmail)
		if err != nil || addr.Address != opt.OperatorEmail {
			return fmt.Errorf("operator e-mail %q is invalid: write a bare address such as ops@example.org", opt.OperatorEmail)
		}
	}
	return validateWatchers(opt.Watchers)
}

// New checks opt with Validate and loads the state file.
func New(opt Options) (*Notifier, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	watchers := make([]Watcher, len(opt.Watchers))
	for i, w := range opt.Watchers {
		watchers[i] = Watcher{Email: strings.TrimSpace(w.Email), Selection: w.Selection}
	}
	opt.Watchers = watchers
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Backoff == nil {
		opt.Backoff = backoff
	}
	loc, err := location(opt.Location)
	if err != nil {
		return nil, err
	}
	opt.Location = loc

	n := &Notifier{opt: opt, log: opt.Logger.With("component", "notify")}
	if len(opt.Watchers) == 0 {
		return n, nil
	}
	if n.links, err = feed.NewLinks(opt.PublicURL); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if opt.StatePath == "" {
		return nil, errors.New("notify: state path is empty: set the file where deliveries are recorded")
	}
	if n.state, err = loadState(opt.StatePath); err != nil {
		return nil, err
	}
	return n, nil
}

// validate checks the server settings. A host and a sender are required
// only when there are watchers to write to.
func (s SMTP) validate(needed bool) error {
	switch s.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("smtp tls %q is invalid: use starttls, tls or none", s.TLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("smtp port %d is invalid: use 1 to 65535, or 0 for the default", s.Port)
	}
	if s.Password != "" && s.Username == "" {
		return errors.New("smtp password is set without a username")
	}
	if s.Username != "" && s.TLS == TLSNone && !loopback(s.Host) {
		return fmt.Errorf("smtp host %q: credentials would be sent without encryption: use tls starttls or tls, or a loopback host", s.Host)
	}
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			return fmt.Errorf("smtp from %q is not a valid e-mail address: %w", s.From, err)
		}
	}
	if needed && s.Host == "" {
		return errors.New("smtp host is empty: set the mail server that watchers' messages go through")
	}
	if needed && s.From == "" {
		return errors.New("smtp from is empty: set the sender address of the messages")
	}
	return nil
}

// loopback reports whether host is "localhost" or a loopback IP address.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// validateWatchers checks that each watcher has one valid address, given
// once.
func validateWatchers(watchers []Watcher) error {
	seen := map[string]int{}
	for i, w := range watchers {
		addr, err := mail.ParseAddress(w.Email)
		if err != nil || addr.Address != strings.TrimSpace(w.Email) {
			return fmt.Errorf("watcher %d: e-mail %q is invalid: write a bare address such as someone@example.org", i+1, w.Email)
		}
		key := strings.ToLower(addr.Address)
		if j, dup := seen[key]; dup {
			return fmt.Errorf("watcher %d: e-mail %q is already watcher %d: merge their filters", i+1, w.Email, j)
		}
		seen[key] = i + 1
	}
	return nil
}

func location(loc *time.Location) (*time.Location, error) {
	if loc != nil {
		return loc, nil
	}
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		return nil, fmt.Errorf("load time zone America/Martinique: %w", err)
	}
	return loc, nil
}
