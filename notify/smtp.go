package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// defaultTimeout bounds an SMTP connection when SMTP.Timeout is zero.
const defaultTimeout = 30 * time.Second

// SendOne connects to the server of s, sends msg and disconnects. With TLS
// "starttls" the connection fails unless the server offers STARTTLS, so
// credentials and messages never cross the network in clear text. With
// "none", the only case where go-mail may authenticate without TLS, New and
// SendOne accept credentials for a loopback host alone.
func SendOne(ctx context.Context, s SMTP, msg *mail.Msg) error {
	if err := s.validate(true); err != nil {
		return err
	}
	client, err := mail.NewClient(s.Host, clientOptions(s)...)
	if err != nil {
		return fmt.Errorf("set up smtp client for %s: %w", s.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send through %s:%d: %w", s.Host, port(s), err)
	}
	return nil
}

// clientOptions translates s into go-mail v0.8.1 options.
func clientOptions(s SMTP) []mail.Option {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	opts := []mail.Option{mail.WithPort(port(s)), mail.WithTimeout(timeout)}

	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(s.TLSConfig))
	} else {
		opts = append(opts, mail.WithTLSConfig(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}))
	}

	if s.Username != "" {
		auth := mail.SMTPAuthAutoDiscover
		if s.TLS == TLSNone {
			// validate has checked that the host is a loopback address.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	return opts
}

func port(s SMTP) int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.TLS == TLSImplicit:
		return 465
	case s.TLS == TLSNone:
		return 25
	}
	return 587
}

// Alert sends one plain-text message to the operator, such as the alert
// after repeated failed runs. Data-derived text in subject is cleaned of
// control characters, so it cannot add a header.
func (n *Notifier) Alert(ctx context.Context, to, subject, body string) error {
	if to == "" {
		return errors.New("send alert: operator e-mail is empty")
	}
	m := mail.NewMsg()
	if err := m.From(n.opt.SMTP.From); err != nil {
		return fmt.Errorf("send alert: from %q: %w", n.opt.SMTP.From, err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("send alert: operator e-mail %q: %w", to, err)
	}
	m.Subject(headerText(subject))
	m.SetDateWithValue(n.opt.Now())
	m.SetGenHeader(headerAutoSubmitted, "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, body)
	return SendOne(ctx, n.opt.SMTP, m)
}
