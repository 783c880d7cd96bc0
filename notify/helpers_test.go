package notify

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
	"github.com/collecte-cacem/collecte/replay"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// hostileStreet is a street name that tries to add a header.
const hostileStreet = "X\r\nBcc: evil@example.org"

// site is a replay of the 2021 capture that a test changes between crawls.
type site struct {
	t       *testing.T
	archive *archive.Archive
	legacy  *replay.Legacy
	sw      *replay.Switch
	url     string
}

func newSite(t *testing.T) *site {
	t.Helper()
	legacy, err := replay.LegacyFromCSV(bytes.NewReader(captures.Legacy2021()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	sw := replay.NewSwitch(legacy.Handler())
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	return &site{t: t, archive: a, legacy: legacy, sw: sw, url: srv.URL}
}

// crawl serves the current data, crawls it into the archive and returns the
// commit, which must be new.
func (s *site) crawl() archive.Commit {
	s.t.Helper()
	s.sw.Set(s.legacy.Handler())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := pipeline.Run(ctx, pipeline.Options{
		Crawler: crawler.Config{
			Source: crawler.SourceLegacy, BaseURL: s.url, Parallel: 8, DelaySet: true,
			Backoff: func(int) time.Duration { return time.Millisecond },
		},
		Archive: s.archive,
	})
	if err != nil {
		s.t.Fatalf("crawl: %v", err)
	}
	if !res.Changed {
		s.t.Fatal("crawl made no commit")
	}
	return *res.Commit
}

// mutate changes the 2021 site in FORT-DE-FRANCE: Absalon (BALATA) gets
// other household-waste days and loses its packaging stream, address 467 of
// HYPER CENTRE-VILLE is removed and "Rue Nouvelle" is added to BALATA.
func (s *site) mutate() {
	l := s.legacy
	var kept []replay.LegacyCollecte
	for _, c := range l.Collectes[3] {
		switch c.Title {
		case "Ordures ménagères (bac gris)":
			c.Days = []string{"Mercredi", "Vendredi"}
		case "Emballages (bac jaune)":
			continue
		}
		kept = append(kept, c)
	}
	l.Collectes[3] = kept

	l.Adresses = slices.DeleteFunc(l.Adresses, func(a replay.LegacyAdresse) bool { return a.ID == 467 })
	delete(l.Collectes, 467)
	l.Adresses = append(l.Adresses, replay.LegacyAdresse{ID: 9999, Name: "Rue Nouvelle", QuartierID: 1})
	l.Collectes[9999] = []replay.LegacyCollecte{{Title: "Ordures ménagères (bac gris)", Days: []string{"Lundi"}}}
}

// reorderDays serves the days of Absalon in another order: the raw capture
// changes, the schedules do not, so the commit has an empty report.
func (s *site) reorderDays() {
	for i := range s.legacy.Collectes[3] {
		slices.Reverse(s.legacy.Collectes[3][i].Days)
	}
}

// renameHostile renames "Rue Nouvelle" of BALATA to hostileStreet.
func (s *site) renameHostile() {
	for i, a := range s.legacy.Adresses {
		if a.ID == 9999 {
			s.legacy.Adresses[i].Name = hostileStreet
		}
	}
}

// parsed is a received message decoded as a mail client would.
type parsed struct {
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
}

func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject %q: %v", m.Header.Get("Subject"), err)
	}
	p := parsed{Header: m.Header, Subject: subject}

	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("content type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body := partBody(t, part)
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		}
	}
	return p
}

func partBody(t *testing.T, part *multipart.Part) string {
	t.Helper()
	var r io.Reader = part
	if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(part)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// clock is a settable time for Options.Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notify -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n%s", path, got)
	}
}
