package config

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/collecte-cacem/collecte/snapshot"
)

// validate checks every key and the rules that tie keys together, and
// returns all the problems at once.
func validate(c *Config) error {
	var errs []error
	for _, o := range options {
		if o.check == nil {
			continue
		}
		if err := o.check(c); err != nil {
			errs = append(errs, err)
		}
	}

	errs = append(errs, validateWatchers(c.Watchers)...)
	errs = append(errs, validateMail(c)...)
	errs = append(errs, validatePush(c.Push)...)
	return errors.Join(errs...)
}

func validateWatchers(watchers []Watcher) []error {
	var errs []error
	for i, w := range watchers {
		key := fmt.Sprintf("watchers[%d]", i)
		if err := checkAddress(w.Email); err != nil {
			errs = append(errs, &InvalidError{Key: key + ".email", Value: w.Email, Reason: err.Error()})
		}
		for _, a := range w.Adresses {
			if !snapshot.ValidKey(a) {
				errs = append(errs, &InvalidError{Key: key + ".adresses", Value: a,
					Reason: "want an adresse_key such as fort-de-france_hyper-centre-ville_rue-louis-blanc"})
			}
		}
		for _, f := range w.Flux {
			if !snapshot.KnownStream(strings.ToUpper(strings.TrimSpace(f))) {
				errs = append(errs, &InvalidError{Key: key + ".flux", Value: f,
					Reason: "want one of OM, RS, ENC, DV, DEEE"})
			}
		}
	}
	return errs
}

// validateMail requires a server and a sender whenever someone is to
// receive mail, and keeps credentials off unencrypted remote connections.
func validateMail(c *Config) []error {
	var errs []error
	wantsMail := len(c.Watchers) > 0 || c.OperatorEmail != ""
	if wantsMail && c.SMTP.Host == "" {
		errs = append(errs, errors.New("smtp.host is empty but watchers or operator_email "+
			"are set: set smtp.host, or remove them to run without e-mail"))
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		errs = append(errs, errors.New("smtp.from is empty: set the From address of the messages"))
	}

	authenticates := c.SMTP.Username != ""
	if authenticates && c.SMTP.TLS == "none" && !isLoopback(c.SMTP.Host) {
		errs = append(errs, &InvalidError{Key: "smtp.tls", Value: c.SMTP.TLS,
			Reason: "sending the password unencrypted to " + c.SMTP.Host +
				" is refused: use starttls or tls, or a loopback relay"})
	}
	return errs
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validatePush(p Push) []error {
	var errs []error
	if p.TokenFile != "" && p.SSHKeyFile != "" {
		errs = append(errs, errors.New("push.token_file and push.ssh_key_file are both set: "+
			"keep token_file for an HTTPS remote or ssh_key_file for an SSH remote"))
	}
	remoteHTTP := strings.HasPrefix(p.URL, "https://") || strings.HasPrefix(p.URL, "http://")
	if p.SSHKeyFile != "" && remoteHTTP {
		errs = append(errs, &InvalidError{Key: "push.url", Value: p.URL,
			Reason: "push.ssh_key_file needs an ssh:// or user@host:path remote"})
	}
	if p.TokenFile != "" && !remoteHTTP {
		errs = append(errs, &InvalidError{Key: "push.url", Value: p.URL,
			Reason: "push.token_file needs an https:// remote"})
	}
	return errs
}
