package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/pipeline"
)

const (
	watcherBalata = "balata@example.org"
	watcherJoseph = "joseph@example.org"
)

func e2eConfig(t *testing.T, s *site, mail *smtpServer, dir string) string {
	return fmt.Sprintf(`source: cacem-legacy
url: %s
archive: %s
schedule: "@every 1s"
run_at_start: true
listen: 127.0.0.1:0
public_url: http://collecte.test
parallel: 8
delay: 0s
smtp: {host: 127.0.0.1, port: %d, tls: none, from: collecte@collecte.test}
watchers:
  - email: %s
    quartiers: [balata]
  - email: %s
    communes: [SAINT-JOSEPH]
`, s.url, dir, mail.port, watcherBalata, watcherJoseph)
}

// metric returns the value of an unlabelled metric in a /metrics body.
func metric(t *testing.T, body, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s missing from /metrics", name)
	return 0
}

func (r *running) runs(t *testing.T) float64 {
	_, body := r.get(t, "/metrics")
	return metric(t, body, "collecte_runs_total")
}

// waitRuns waits until n more runs than now have finished.
func (r *running) waitRuns(t *testing.T, n float64) {
	t.Helper()
	start := r.runs(t)
	waitFor(t, fmt.Sprintf("%v more runs", n), func() bool { return r.runs(t) >= start+n })
}

func commitCount(t *testing.T, dir string) int {
	t.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	log, err := a.Log()
	if err != nil {
		t.Fatal(err)
	}
	return len(log)
}

func head(t *testing.T, dir string) string {
	t.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	return c.Hash
}

func manualCrawl(s *site, dir string) (*pipeline.Result, error) {
	a, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	c := crawler.Config{Source: crawler.SourceLegacy, BaseURL: s.url, Parallel: 8, DelaySet: true}
	fastCrawl(&c)
	return pipeline.Run(context.Background(), pipeline.Options{Crawler: c, Archive: a})
}

func TestDaemonEndToEnd(t *testing.T) {
	s := startSite(t)
	mail := startSMTP(t)
	dir := filepath.Join(t.TempDir(), "archive")
	cfg := writeConfig(t, e2eConfig(t, s, mail, dir))

	d := startDaemon(t, cfg)
	waitFor(t, "the baseline commit", func() bool { return d.runs(t) >= 1 })
	d.waitRuns(t, 1)
	if got := s.crawls.Load(); got < 2 {
		t.Errorf("site crawled %d times after two runs, want a fresh crawl per run", got)
	}
	if got := commitCount(t, dir); got != 1 {
		t.Errorf("commits after two identical crawls = %d, want 1", got)
	}

	t.Run("manual crawl gets the lock error", func(t *testing.T) {
		_, err := manualCrawl(s, dir)
		var locked *archive.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("manual crawl error = %v, want *archive.LockedError", err)
		}
		if locked.PID != os.Getpid() {
			t.Errorf("lock holder PID = %d, want the daemon's %d", locked.PID, os.Getpid())
		}
	})

	s.serveDays("Lundi", "Jeudi")
	waitFor(t, "the change commit", func() bool { return commitCount(t, dir) == 2 })
	second := head(t, dir)
	waitFor(t, "the watcher's message", func() bool { return len(mail.to(watcherBalata)) >= 1 })
	d.waitRuns(t, 2)

	checkMail(t, mail, 1)
	checkFeeds(t, d, dir, second)
	checkHealth(t, d, second)

	if err := d.stop(); err != nil {
		t.Fatalf("daemon stopped with %v, want nil", err)
	}

	// A commit made while the daemon is down must be delivered when it
	// comes back, and the earlier message must not be sent again.
	s.serveDays("Mardi")
	res, err := manualCrawl(s, dir)
	if err != nil {
		t.Fatalf("manual crawl after stop: %v", err)
	}
	if !res.Changed {
		t.Fatal("manual crawl made no commit")
	}

	d = startDaemon(t, cfg)
	waitFor(t, "the message of the commit made while stopped", func() bool {
		return len(mail.to(watcherBalata)) >= 2
	})
	d.waitRuns(t, 2)
	checkMail(t, mail, 2)
	if got := commitCount(t, dir); got != 3 {
		t.Errorf("commits = %d, want 3 (baseline, change, change while stopped)", got)
	}
}

func checkMail(t *testing.T, mail *smtpServer, want int) {
	t.Helper()
	if got := len(mail.to(watcherBalata)); got != want {
		t.Errorf("messages to the BALATA watcher = %d, want %d", got, want)
	}
	if got := len(mail.to(watcherJoseph)); got != 0 {
		t.Errorf("messages to the SAINT-JOSEPH watcher = %d, want 0", got)
	}
}

func checkFeeds(t *testing.T, d *running, dir, hash string) {
	t.Helper()
	for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.atom?quartier=BALATA", "/feed.atom?commune=fort%20de%20france"} {
		code, body := d.get(t, path)
		if code != 200 || !strings.Contains(body, "commit/"+hash) {
			t.Errorf("GET %s = %d, want 200 and an entry for %s", path, code, hash)
		}
	}
	if code, body := d.get(t, "/feed.atom?commune=SAINT-JOSEPH"); code != 200 || strings.Contains(body, "commit/"+hash) {
		t.Errorf("GET /feed.atom?commune=SAINT-JOSEPH = %d, want 200 without %s", code, hash)
	}

	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.BranchHead(FeedsBranch)
	if err != nil {
		t.Fatalf("feeds branch: %v", err)
	}
	atom, err := a.ReadFile(c.Hash, feed.AtomPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(atom), "commit/"+hash) {
		t.Errorf("%s on the feeds branch lacks the entry for %s", feed.AtomPath, hash)
	}
}

func checkHealth(t *testing.T, d *running, hash string) {
	t.Helper()
	// The status code depends on the time since the last success, which
	// a slow machine can stretch beyond two periods of "@every 1s":
	// TestHealthy and TestHealthzStatus check it.
	_, body := d.get(t, "/healthz")
	if !strings.Contains(body, `"commit":"`+hash+`"`) || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("GET /healthz = %s, want status ok and commit %s", body, hash)
	}

	_, metrics := d.get(t, "/metrics")
	for _, name := range []string{
		"collecte_runs_total", "collecte_run_failures_total", "collecte_run_duration_seconds_count",
		"collecte_requests_total", "collecte_retries_total", "collecte_last_success_timestamp_seconds",
		"collecte_mail_sent_total", "collecte_mail_failures_total",
		`collecte_changes_total{kind="schedule_changed"}`,
	} {
		if !strings.Contains(metrics, "\n"+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if got := metric(t, metrics, `collecte_changes_total{kind="schedule_changed"}`); got != 1 {
		t.Errorf("schedule changes counted = %v, want 1", got)
	}
}
