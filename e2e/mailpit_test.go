package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/replay"
)

// The daemon test below runs the collecte binary as a separate process
// against mailpit, an SMTP server that shares no code with collecte, and
// reads what it received through mailpit's HTTP API. It needs the mailpit
// binary: COLLECTE_MAILPIT names it, else mailpit is looked up on the PATH.
// .ci/run installs it with `go install github.com/axllent/mailpit@v1.33.1`.

// mailpit is a mailpit process on loopback.
type mailpit struct {
	smtpPort int
	api      string
}

// startMailpit starts mailpit on two free loopback ports with a fresh
// database. It skips the test when mailpit is not installed, except under
// CI=true.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	bin := os.Getenv("COLLECTE_MAILPIT")
	if bin == "" {
		bin, _ = exec.LookPath("mailpit")
	}
	switch {
	case bin == "" && os.Getenv("CI") == "true":
		t.Fatal("mailpit not found although CI=true: go install github.com/axllent/mailpit@v1.33.1, or set COLLECTE_MAILPIT")
	case bin == "":
		t.Skip("mailpit not installed: go install github.com/axllent/mailpit@v1.33.1, or set COLLECTE_MAILPIT")
	}

	m := &mailpit{smtpPort: freePort(t)}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	m.api = "http://" + httpAddr

	dir := t.TempDir()
	cmd := exec.Command(bin,
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.smtpPort),
		"--listen", httpAddr,
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	logFile, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
	})

	waitUntil(t, "mailpit's API", func() bool {
		resp, err := http.Get(m.api + "/api/v1/messages")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return m
}

// mailpitMessage is a message as mailpit's API lists it.
type mailpitMessage struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// messages returns every message mailpit received, newest first.
func (m *mailpit) messages(t *testing.T) []mailpitMessage {
	t.Helper()
	var list struct {
		Messages []mailpitMessage `json:"messages"`
	}
	if err := json.Unmarshal(m.get(t, "/api/v1/messages"), &list); err != nil {
		t.Fatalf("decode mailpit's message list: %v", err)
	}
	return list.Messages
}

// to returns the messages addressed to addr.
func (m *mailpit) to(t *testing.T, addr string) []mailpitMessage {
	t.Helper()
	var out []mailpitMessage
	for _, msg := range m.messages(t) {
		for _, to := range msg.To {
			if strings.EqualFold(to.Address, addr) {
				out = append(out, msg)
			}
		}
	}
	return out
}

// raw returns the message with the given id as received, headers included.
func (m *mailpit) raw(t *testing.T, id string) string {
	t.Helper()
	return string(m.get(t, "/api/v1/message/"+id+"/raw"))
}

func (m *mailpit) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatalf("GET mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET mailpit %s: status %d, %v", path, resp.StatusCode, err)
	}
	return body
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitUntil polls cond for up to two minutes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// daemonProcess is a `collecte daemon` process.
type daemonProcess struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

// startDaemonProcess starts the collecte binary as a daemon with the
// configuration file cfg, whose listen address is listen.
func startDaemonProcess(t *testing.T, cfg, listen string) *daemonProcess {
	t.Helper()
	d := &daemonProcess{base: "http://" + listen, logs: &syncBuffer{}}
	d.cmd = exec.Command(collecteBinary(t), "daemon", "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start collecte daemon: %v", err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			_ = d.cmd.Process.Kill()
			_ = d.cmd.Wait()
		}
	})
	return d
}

// runs returns collecte_runs_total, or -1 while the server is not up.
func (d *daemonProcess) runs() float64 {
	resp, err := http.Get(d.base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "collecte_runs_total "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// waitRuns waits until n runs more than now have finished.
func (d *daemonProcess) waitRuns(t *testing.T, n float64) {
	t.Helper()
	start := max(d.runs(), 0)
	waitUntil(t, fmt.Sprintf("%v more daemon runs", n), func() bool { return d.runs() >= start+n })
}

// stop sends SIGTERM and waits for a clean exit.
func (d *daemonProcess) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("collecte daemon exited with %v after SIGTERM, want status 0:\n%s", err, d.logs)
		}
	case <-time.After(time.Minute):
		t.Fatalf("collecte daemon still running a minute after SIGTERM:\n%s", d.logs)
	}
}

// TestDaemonMailpit runs the daemon binary on a schedule against a replay
// of part of the real 2021 capture and mailpit: the baseline sends no
// message, a schedule change sends exactly one to the watcher of its
// quartier and none to the other, and a stop and restart neither re-sends
// nor skips a message.
func TestDaemonMailpit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collecte binary and starts mailpit")
	}
	mp := startMailpit(t)
	site := smallSite(t, 120)
	sw, url := startSite(t, site.Handler())

	changed := site.Adresses[0]
	quartier := quartierName(t, site.Quartiers, changed.QuartierID)
	const follower, other = "suit.le.quartier@collecte.test", "autre.commune@collecte.test"

	dir := t.TempDir()
	archiveDir := filepath.Join(dir, "archive")
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfg := filepath.Join(dir, "collecte.yaml")
	yaml := fmt.Sprintf(`source: cacem-legacy
url: %s
archive: %s
schedule: "@every 1s"
run_at_start: true
listen: %s
public_url: https://collecte.test
parallel: 8
delay: 0s
smtp: {host: 127.0.0.1, port: %d, tls: none, from: collecte@collecte.test}
watchers:
  - email: %s
    quartiers: [%q]
  - email: %s
    communes: [UNE-COMMUNE-ABSENTE]
`, url, archiveDir, listen, mp.smtpPort, follower, quartier, other)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemonProcess(t, cfg, listen)
	waitUntil(t, "the baseline commit", func() bool { return d.runs() >= 1 })
	d.waitRuns(t, 1)
	if got := len(mp.messages(t)); got != 0 {
		t.Fatalf("messages after the baseline = %d, want 0", got)
	}

	changeDays(t, site, 0)
	sw.Set(site.Handler())
	waitUntil(t, "the change commit", func() bool { return commitCount(t, archiveDir) == 2 })
	waitUntil(t, "the watcher's message", func() bool { return len(mp.to(t, follower)) >= 1 })
	d.waitRuns(t, 2)
	checkMailpit(t, mp, follower, other, 1)
	checkMessage(t, mp, mp.to(t, follower)[0], strings.TrimSpace(git(t, archiveDir, "rev-parse", "HEAD")))

	d.stop(t)
	d = startDaemonProcess(t, cfg, listen)
	d.waitRuns(t, 3)
	checkMailpit(t, mp, follower, other, 1)
	if got := commitCount(t, archiveDir); got != 2 {
		t.Errorf("commits after the restart = %d, want 2", got)
	}
	d.stop(t)
	git(t, archiveDir, "fsck", "--full", "--strict")
}

func checkMailpit(t *testing.T, mp *mailpit, follower, other string, want int) {
	t.Helper()
	if got := len(mp.to(t, follower)); got != want {
		t.Errorf("messages to %s = %d, want %d", follower, got, want)
	}
	if got := len(mp.to(t, other)); got != 0 {
		t.Errorf("messages to %s = %d, want 0", other, got)
	}
}

// checkMessage checks the headers and parts of a change message as mailpit
// received it.
func checkMessage(t *testing.T, mp *mailpit, msg mailpitMessage, commit string) {
	t.Helper()
	raw := mp.raw(t, msg.ID)
	parsed, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("parse the received message: %v\n%s", err, raw)
	}

	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil {
		t.Errorf("decode Subject %q: %v", parsed.Header.Get("Subject"), err)
	}
	if !strings.Contains(subject, "changement") {
		t.Errorf("Subject = %q, want a French subject naming the change", subject)
	}
	mediaType, _, err := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Errorf("Content-Type = %q (%v), want multipart/alternative", parsed.Header.Get("Content-Type"), err)
	}
	for _, part := range []string{"text/plain", "text/html"} {
		if !strings.Contains(raw, "Content-Type: "+part) {
			t.Errorf("message lacks a %s part", part)
		}
	}

	var body struct {
		Text string `json:"Text"`
		HTML string `json:"HTML"`
	}
	if err := json.Unmarshal(mp.get(t, "/api/v1/message/"+msg.ID), &body); err != nil {
		t.Fatalf("decode mailpit's message %s: %v", msg.ID, err)
	}
	link := "https://collecte.test/instantane/" + commit
	if !strings.Contains(body.Text, link) {
		t.Errorf("plain text part lacks the link %s:\n%s", link, body.Text)
	}
	if !strings.Contains(body.HTML, link) {
		t.Errorf("HTML part lacks the link %s", link)
	}
}

// quartierName returns the name of the quartier with the given id.
func quartierName(t *testing.T, quartiers []replay.LegacyQuartier, id int) string {
	t.Helper()
	for _, q := range quartiers {
		if q.ID == id {
			return q.Name
		}
	}
	t.Fatalf("quartier %d not in the site", id)
	return ""
}
