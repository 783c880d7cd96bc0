package daemon

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// TestWatcherFilterWarnings starts a daemon whose watchers follow values
// of HEAD, written in other cases and punctuation, and values that name
// nothing: only the latter get a warning each.
func TestWatcherFilterWarnings(t *testing.T) {
	s := startSite(t)
	mail := startSMTP(t)
	dir := filepath.Join(t.TempDir(), "archive")
	if _, err := manualCrawl(s, dir); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("archive: %s\nsmtp: {host: 127.0.0.1, port: %d, tls: none, from: c@example.org}\n"+
		"watchers:\n"+
		"  - email: a@example.org\n    communes: [saint joseph, ATLANTIS]\n"+
		"  - email: b@example.org\n    quartiers: [hyper centre ville, nulle part]\n"+
		"    adresses: [fort-de-france_balata_absalon, fort-de-france_balata_rue-z]\n", dir, mail.port))
	var logs logStore
	d, unlock, err := start(cfg, Options{Logger: logs.logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	d.checkWatchers()
	var got []string
	for _, l := range logs.find("watcher filter matches nothing at HEAD; it will match once the site lists it") {
		got = append(got, l.Attrs["email"]+" "+l.Attrs["key"]+" "+l.Attrs["value"])
	}
	want := []string{
		"a@example.org watchers[0].communes ATLANTIS",
		"b@example.org watchers[1].quartiers nulle part",
		"b@example.org watchers[1].adresses fort-de-france_balata_rue-z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}
