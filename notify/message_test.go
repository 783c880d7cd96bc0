package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/snapshot"
)

func fixedReport() diff.Report {
	return diff.Report{Changes: []diff.Change{
		{Kind: diff.KindScheduleChanged, AdresseKey: "fort-de-france--balata--absalon", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Absalon", Flux: "OM",
			Before: []snapshot.Slot{{Day: time.Wednesday, Weeks: snapshot.Every}, {Day: time.Saturday, Weeks: snapshot.Every}},
			After:  []snapshot.Slot{{Day: time.Wednesday, Weeks: snapshot.Even}}},
		{Kind: diff.KindAddressAdded, AdresseKey: "fort-de-france--balata--rue-nouvelle", Commune: "FORT-DE-FRANCE", Quartier: "BALATA", Voie: "Rue <b>Nouvelle</b> & Cie"},
	}}
}

func TestBodiesGolden(t *testing.T) {
	n, err := New(Options{
		SMTP:          SMTP{Host: "127.0.0.1", From: sender, TLS: TLSNone},
		Watchers:      []Watcher{balataOM},
		PublicURL:     publicURL,
		OperatorEmail: operatorEmail,
		StatePath:     t.TempDir() + "/notify.json",
		Location:      time.FixedZone("-0400", -4*3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := archive.Commit{Hash: strings.Repeat("1", 40), When: time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)}
	text, html, err := n.bodies(balataOM, c, fixedReport())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "message.txt.golden", text)
	golden(t, "message.html.golden", html)
}

// TestBodiesWithoutOperator checks the closing line of a message when no
// operator address is configured.
func TestBodiesWithoutOperator(t *testing.T) {
	n, err := New(Options{SMTP: SMTP{Host: "127.0.0.1", From: sender, TLS: TLSNone}, Watchers: []Watcher{balataOM},
		PublicURL: publicURL, StatePath: t.TempDir() + "/notify.json"})
	if err != nil {
		t.Fatal(err)
	}
	text, html, err := n.bodies(balataOM, archive.Commit{Hash: strings.Repeat("1", 40), When: time.Now()}, fixedReport())
	if err != nil {
		t.Fatal(err)
	}
	const want = "Pour ne plus recevoir ces messages, demandez-le à la personne qui gère ce service."
	for name, body := range map[string]string{"text": text, "html": html} {
		if !strings.Contains(body, want) {
			t.Errorf("%s body lacks %q:\n%s", name, want, body)
		}
		if strings.Contains(body, "mailto:") {
			t.Errorf("%s body has a mailto: link without an operator:\n%s", name, body)
		}
	}
	msg, err := n.message(balataOM, archive.Commit{Hash: strings.Repeat("1", 40), When: time.Now()}, fixedReport())
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.GetGenHeader(headerListUnsubscribe); len(got) != 0 {
		t.Errorf("List-Unsubscribe = %q without an operator, want none", got)
	}
}

func TestSubjectHasNoLineBreak(t *testing.T) {
	r := fixedReport()
	r.Changes[0].Commune = "FORT-DE-FRANCE\r\nBcc: evil@example.org"
	r.Changes[1].Commune = "A\nB"
	got := Subject(r)
	if strings.ContainsAny(got, "\r\n") {
		t.Errorf("subject %q contains a line break", got)
	}
	if want := "Collecte des déchets : 1 changement d'horaires, 1 nouvelle adresse (FORT-DE-FRANCE Bcc: evil@example.org, A B)"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
}

func TestMessageHeaders(t *testing.T) {
	r := fixedReport()
	r.Changes[0].Commune = "SCHŒLCHER\r\nBcc: evil@example.org"
	n, err := New(Options{SMTP: SMTP{Host: "127.0.0.1", From: sender, TLS: TLSNone}, Watchers: []Watcher{balataOM},
		PublicURL: publicURL, OperatorEmail: operatorEmail, StatePath: t.TempDir() + "/notify.json"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := n.message(balataOM, archive.Commit{Hash: strings.Repeat("2", 40), When: time.Now()}, r)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, b.Bytes())
	if _, ok := m.Header["Bcc"]; ok {
		t.Errorf("a commune name added a Bcc header:\n%s", b.String())
	}
	if !strings.Contains(m.Subject, "SCHŒLCHER Bcc: evil@example.org") {
		t.Errorf("subject = %q, want the cleaned commune name", m.Subject)
	}
	if got := m.Header.Get("Message-Id"); !strings.HasPrefix(got, "<"+strings.Repeat("2", 40)+".") || !strings.HasSuffix(got, "@collecte.example.org>") {
		t.Errorf("Message-ID = %q, want <HASH.ID@collecte.example.org>", got)
	}
	want := "<mailto:ops@example.org?subject=d%C3%A9sinscription%20balata@example.org>"
	if got := m.Header.Get("List-Unsubscribe"); got != want {
		t.Errorf("List-Unsubscribe = %q, want %q", got, want)
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	good := Options{SMTP: SMTP{Host: "smtp.example.org", From: sender}, PublicURL: publicURL, StatePath: "/tmp/x.json",
		Watchers: []Watcher{{Email: "a@example.org"}}}
	tests := []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"credentials in clear text", func(o *Options) { o.SMTP.TLS, o.SMTP.Username, o.SMTP.Password = TLSNone, "u", "p" }, "without encryption"},
		{"bad e-mail", func(o *Options) { o.Watchers[0].Email = "not an address" }, `"not an address"`},
		{"e-mail with a header", func(o *Options) { o.Watchers[0].Email = "a@example.org\r\nBcc: b@example.org" }, "watcher 1"},
		{"duplicate e-mail", func(o *Options) { o.Watchers = append(o.Watchers, Watcher{Email: "A@example.org"}) }, "already watcher 1"},
		{"bad tls", func(o *Options) { o.SMTP.TLS = "ssl" }, `"ssl"`},
		{"bad from", func(o *Options) { o.SMTP.From = "x" }, `from "x"`},
		{"no host", func(o *Options) { o.SMTP.Host = "" }, "host is empty"},
		{"no public URL", func(o *Options) { o.PublicURL = "" }, "public URL"},
		{"no state", func(o *Options) { o.StatePath = "" }, "state path"},
		{"operator with a header", func(o *Options) { o.OperatorEmail = "ops@example.org\r\nBcc: b@example.org" }, "operator e-mail"},
		{"operator with a name", func(o *Options) { o.OperatorEmail = "Ops <ops@example.org>" }, "bare address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := good
			opt.Watchers = append([]Watcher(nil), good.Watchers...)
			tt.change(&opt)
			_, err := New(opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewAcceptsLoopbackCredentials(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1", "localhost", "127.0.0.2"} {
		opt := Options{SMTP: SMTP{Host: host, From: sender, TLS: TLSNone, Username: "u", Password: "p"}}
		if _, err := New(opt); err != nil {
			t.Errorf("host %s: %v", host, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {5, 16 * time.Minute}, {10, maxRetry}, {30, maxRetry}}
	for _, tt := range tests {
		if got := backoff(tt.attempts); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
		}
	}
}

// TestBackoffSpan checks the time from the first try of a message to its
// last, when every retry happens at its next try.
func TestBackoffSpan(t *testing.T) {
	var span time.Duration
	for attempts := 1; attempts < maxAttempts; attempts++ {
		span += backoff(attempts)
	}
	if want := 4111 * time.Minute; span != want {
		t.Errorf("span of %d attempts = %v, want %v", maxAttempts, span, want)
	}
}
