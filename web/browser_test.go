package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real Chromium through the DevTools protocol:
// the binary that COLLECTE_BROWSER names, else chromium or chromium-browser
// from the PATH (Debian's chromium package installs /usr/bin/chromium).
// They save their screenshots under COLLECTE_SCREENSHOTS, or a temporary
// directory when it is unset.

// browserNames are the executables tried, in order, when COLLECTE_BROWSER
// is unset.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// findBrowser returns the browser binary to drive, or "" when none is
// installed.
func findBrowser() string {
	if bin := os.Getenv("COLLECTE_BROWSER"); bin != "" {
		return bin
	}
	for _, name := range browserNames {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	return ""
}

// browser starts a headless Chromium with a fresh profile. Without a
// browser it skips the test, except under CI=true, where a missing browser
// is an installation error that must not pass unnoticed.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := findBrowser()
	switch {
	case bin == "" && os.Getenv("CI") == "true":
		t.Fatal("no browser found although CI=true: install Debian's chromium package or set COLLECTE_BROWSER")
	case bin == "":
		t.Skip("browser test skipped: no chromium on the PATH; install Debian's chromium package or set COLLECTE_BROWSER")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Every host name but the loopback test server fails to resolve,
		// so a request to another host cannot leave the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)

	// The first action starts the browser; it must not run under a timeout,
	// which would stop the whole browser when it expires.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return ctx
}

// step runs actions with a generous hang guard.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(stepCtx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func value[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	stepCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(stepCtx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves a PNG of the whole page.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("COLLECTE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// recorder collects the URLs that the page requests and the browser's log
// entries, such as Content-Security-Policy violations.
type recorder struct {
	mu       sync.Mutex
	requests []string
	logs     []string
}

func record(ctx context.Context) *recorder {
	r := &recorder{}
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	entries := chromedp.Events(ctx, log.EntryAdded)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			r.mu.Lock()
			r.requests = append(r.requests, ev.Request.URL)
			r.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			r.mu.Lock()
			r.logs = append(r.logs, string(ev.Entry.Level)+": "+ev.Entry.Text)
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *recorder) check(t *testing.T, origin string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.requests) == 0 {
		t.Error("no request recorded")
	}
	for _, u := range r.requests {
		if !strings.HasPrefix(u, origin+"/") {
			t.Errorf("page requested %s, outside the test server", u)
		}
	}
	for _, entry := range r.logs {
		t.Errorf("browser log entry: %s", entry)
	}
}

func TestBrowserSearchToAddress(t *testing.T) {
	ctx := browser(t)
	h, _ := newTestHandler(sharedArchive(t))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := record(ctx)

	step(t, ctx, "load home page",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("q")),
	)
	if got := value(t, ctx, "read title", chromedp.Title()); !strings.HasPrefix(got, "Accueil") {
		t.Errorf("home title = %q, want it to start with Accueil", got)
	}
	screenshot(t, ctx, "accueil")

	step(t, ctx, "search a street",
		chromedp.SendKeys(chromedp.ID("q"), "BALATA absal"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS("ul.results a")),
	)
	if got := value(t, ctx, "read location", chromedp.Location()); !strings.Contains(got, "/recherche?q=BALATA+absal") {
		t.Errorf("search location = %q", got)
	}
	results := value(t, ctx, "read results", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("ul.results a"), a => a.textContent)`))
	if !reflect.DeepEqual(results, []string{"Absalon"}) {
		t.Errorf("results = %q, want [Absalon]", results)
	}
	screenshot(t, ctx, "recherche")

	step(t, ctx, "follow the result",
		chromedp.Click(chromedp.CSS("ul.results a")),
		chromedp.WaitVisible(chromedp.CSS("table.grid")),
	)
	if got := value(t, ctx, "read location", chromedp.Location()); got != srv.URL+"/adresse/"+absalonKey {
		t.Errorf("address location = %q, want %q", got, srv.URL+"/adresse/"+absalonKey)
	}
	checkGrid(t, ctx)
	checkCalendarLink(t, ctx, srv.URL)
	screenshot(t, ctx, "adresse")

	step(t, ctx, "narrow the window to a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("table.grid")),
	)
	width := value(t, ctx, "read page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if width > 390 {
		t.Errorf("page is %d px wide on a 390 px phone screen, want no horizontal scrolling", width)
	}
	screenshot(t, ctx, "adresse-telephone")

	rec.check(t, srv.URL)
}

// checkGrid reads the week grids of Absalon: after the second crawl,
// household waste on Wednesday and Friday of every week, no yellow bin,
// and bulky items, green waste and appliances on Thursday of odd weeks.
func checkGrid(t *testing.T, ctx context.Context) {
	t.Helper()
	grids := value(t, ctx, "read grids", chromedp.Evaluate[[][]string](`
		Array.from(document.querySelectorAll("table.grid"), table =>
			[table.caption.textContent].concat(Array.from(table.tBodies[0].rows, row =>
				row.cells[0].textContent + " " +
				Array.from(row.cells).slice(1).map(c => c.classList.contains("on") ? "X" : ".").join(""))))`))
	want := [][]string{
		{"Semaines paires",
			"Ordures ménagères ..X.X..",
			"Emballages et recyclables .......",
			"Encombrants .......",
			"Déchets verts .......",
			"DEEE (électroménagers) ......."},
		{"Semaines impaires (cette semaine)",
			"Ordures ménagères ..X.X..",
			"Emballages et recyclables .......",
			"Encombrants ...X...",
			"Déchets verts ...X...",
			"DEEE (électroménagers) ...X..."},
	}
	if !reflect.DeepEqual(grids, want) {
		t.Errorf("grids = %q\nwant %q", grids, want)
	}
	heading := value(t, ctx, "read column heading", chromedp.Text(chromedp.CSS("table.grid thead th:nth-child(5)")))
	if !strings.Contains(heading, "Jeudi") {
		t.Errorf("fifth column heading = %q, want Jeudi (Thursday)", heading)
	}
}

// checkCalendarLink follows the calendar link of the address page and
// checks that it serves the iCalendar file.
func checkCalendarLink(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	href := value(t, ctx, "read calendar link", chromedp.AttributeValue(chromedp.ID("calendrier"), "href"))
	if !href.Exists || href.Value != "/adresse/"+absalonKey+".ics" {
		t.Fatalf("calendar link = %+v, want /adresse/%s.ics", href, absalonKey)
	}
	res, err := http.Get(origin + href.Value)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(string(data), "BEGIN:VCALENDAR") {
		t.Errorf("calendar: status %d, body starts %q", res.StatusCode, string(data[:min(len(data), 40)]))
	}
}

func TestBrowserTimelineAndSnapshot(t *testing.T) {
	ctx := browser(t)
	h, _ := newTestHandler(sharedArchive(t))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := record(ctx)

	step(t, ctx, "load timeline",
		chromedp.Navigate(srv.URL+"/chronologie"),
		chromedp.WaitVisible(chromedp.CSS("figure.chart svg")),
	)
	charts := value(t, ctx, "count chart lines", chromedp.Evaluate[int](
		`document.querySelectorAll("figure.chart svg polyline").length`))
	if charts != 3 {
		t.Errorf("%d chart lines, want 3", charts)
	}
	screenshot(t, ctx, "chronologie")

	step(t, ctx, "open the latest snapshot",
		chromedp.Click(chromedp.CSS("table.timeline tbody tr:first-child a")),
		chromedp.WaitVisible(chromedp.CSS("pre.unified")),
	)
	added := value(t, ctx, "count added lines", chromedp.Evaluate[int](
		`document.querySelectorAll("pre.unified span.add").length`))
	if added == 0 {
		t.Error("unified diff shows no added line")
	}
	screenshot(t, ctx, "instantane")

	step(t, ctx, "filter missing collections",
		chromedp.Navigate(srv.URL+"/manquantes"),
		chromedp.WaitVisible(chromedp.ID("flux")),
		chromedp.SetValue(chromedp.ID("flux"), "RS"),
		chromedp.Submit(chromedp.ID("flux")),
		chromedp.WaitVisible(chromedp.CSS("table.missing")),
	)
	streams := value(t, ctx, "read streams", chromedp.Evaluate[[]string](
		`Array.from(new Set(Array.from(document.querySelectorAll("table.missing tbody tr td:last-child"), td => td.textContent)))`))
	if !reflect.DeepEqual(streams, []string{"Emballages et recyclables"}) {
		t.Errorf("filtered streams = %q, want only the yellow bin", streams)
	}
	screenshot(t, ctx, "manquantes")

	rec.check(t, srv.URL)
}
