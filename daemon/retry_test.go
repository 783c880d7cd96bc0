package daemon

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/notify"
)

// TestFailedMailRetriedWithoutCrawl makes the mail server reject the
// message of a change commit, then accept it, while the schedule runs no
// crawl: the daemon must deliver it on its retry timer alone.
func TestFailedMailRetriedWithoutCrawl(t *testing.T) {
	s := startSite(t)
	mail := startSMTP(t)
	dir := filepath.Join(t.TempDir(), "archive")
	cfg := writeConfig(t, fmt.Sprintf("source: cacem-legacy\nurl: %s\narchive: %s\nschedule: '@every 1h'\n"+
		"listen: 127.0.0.1:0\npublic_url: http://collecte.test\n"+
		"smtp: {host: 127.0.0.1, port: %d, tls: none, from: collecte@collecte.test}\n"+
		"watchers:\n  - email: %s\n    quartiers: [balata]\n", s.url, dir, mail.port, watcherBalata))
	opt := Options{Crawler: fastCrawl, Notify: func(o *notify.Options) {
		o.Backoff = func(attempts int) time.Duration { return time.Duration(attempts) * 100 * time.Millisecond }
	}}

	if _, err := manualCrawl(s, dir); err != nil {
		t.Fatalf("baseline crawl: %v", err)
	}
	if err := startDaemonWith(t, cfg, opt).stop(); err != nil {
		t.Fatalf("first start, which registers the watcher: %v", err)
	}
	s.serveDays("Lundi", "Jeudi")
	if res, err := manualCrawl(s, dir); err != nil || !res.Changed {
		t.Fatalf("change crawl: %v, want a commit", err)
	}

	mail.reject.Store(true)
	crawls := s.crawls.Load()
	d := startDaemonWith(t, cfg, opt)
	mailMetric := func(name string) float64 {
		_, body := d.get(t, "/metrics")
		return metric(t, body, name)
	}
	waitFor(t, "two failed sends", func() bool { return mailMetric("collecte_mail_failures_total") >= 2 })
	mail.reject.Store(false)
	waitFor(t, "the message", func() bool { return len(mail.to(watcherBalata)) == 1 })
	waitFor(t, "the count of the message", func() bool { return mailMetric("collecte_mail_sent_total") == 1 })

	if got := s.crawls.Load(); got != crawls {
		t.Errorf("site crawled %d times while the daemon retried, want 0", got-crawls)
	}
	if got := mailMetric("collecte_mail_retries_total"); got < 2 {
		t.Errorf("collecte_mail_retries_total = %v, want at least 2", got)
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
}
