package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/pipeline"
)

// crawlFlags are the flags shared by crawl and demo.
type crawlFlags struct {
	source, url, userAgent string
	parallel, attempts     int
	delay, timeout         time.Duration
	authorName, author     string
	maxFailedPercent       float64
}

func (f *crawlFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.source, "source", crawler.SourceV1,
		"site generation: cacem-v1 (api.cacem.fr, in use since 2024) or cacem-legacy (the 2021 site)")
	fs.StringVar(&f.url, "url", "", "base URL of the site (default: the real CACEM URL of the source)")
	fs.IntVar(&f.parallel, "parallel", crawler.DefaultParallel,
		fmt.Sprintf("maximum requests in flight on the site, from 1 to %d", maxParallel))
	fs.DurationVar(&f.delay, "delay", crawler.DefaultDelay, "pause after each request on the site, such as 500ms")
	fs.DurationVar(&f.timeout, "timeout", crawler.DefaultTimeout, "time limit of one request, body included")
	fs.IntVar(&f.attempts, "attempts", crawler.DefaultAttempts, "tries per request, the first included")
	fs.StringVar(&f.userAgent, "user-agent", "",
		"User-Agent header, without control characters (default: collecte, its version and project URL)")
	fs.StringVar(&f.authorName, "author-name", "collecte", "author and committer name of the commits")
	fs.StringVar(&f.author, "author-email", "collecte@localhost", "author and committer e-mail of the commits")
	fs.Float64Var(&f.maxFailedPercent, "max-failed", 100*pipeline.DefaultMaxFailed,
		"percentage of address requests that may fail in a run that still commits; "+
			"those addresses keep their previous rules")
}

func (f *crawlFlags) config(e *env) crawler.Config {
	return crawler.Config{
		Source:    f.source,
		BaseURL:   f.url,
		Parallel:  f.parallel,
		Delay:     f.delay,
		DelaySet:  true,
		Timeout:   f.timeout,
		Attempts:  f.attempts,
		UserAgent: f.userAgent,
		Logger:    e.log,
		Progress:  os.Stderr,
	}
}

// maxParallel is the largest --parallel, the same bound as the daemon's
// parallel key: the site is a small public service, and more requests in
// flight would not be polite.
const maxParallel = 64

// check rejects flag values that the crawl cannot use, naming the flag.
// Every invalid flag is reported, one per line.
func (f *crawlFlags) check() error {
	return errors.Join(
		checkSource(f.source),
		checkSiteURL(f.url),
		checkParallel(f.parallel),
		f.checkDurations(),
		f.checkNumbers(),
		checkUserAgent(f.userAgent),
		f.checkAuthor(),
	)
}

func checkSource(source string) error {
	if source != crawler.SourceV1 && source != crawler.SourceLegacy {
		return &usageError{fmt.Sprintf("invalid --source %q: want %s or %s",
			source, crawler.SourceV1, crawler.SourceLegacy)}
	}
	return nil
}

// checkSiteURL accepts an empty value, which selects the real site, or the
// http(s) scheme and host of a site without path or query.
func checkSiteURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	valid := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		strings.Trim(u.Path, "/") == "" && u.RawQuery == "" && u.Fragment == ""
	if !valid {
		return &usageError{fmt.Sprintf("invalid --url %q: want the http:// or https:// scheme and host "+
			"of the site, without a path, such as http://127.0.0.1:8081", raw)}
	}
	return nil
}

func checkParallel(n int) error {
	if n < 1 || n > maxParallel {
		return &usageError{fmt.Sprintf("invalid --parallel %d: want a number of requests from 1 to %d", n, maxParallel)}
	}
	return nil
}

func (f *crawlFlags) checkDurations() error {
	if f.delay < 0 {
		return &usageError{fmt.Sprintf("invalid --delay %v: want a duration of 0 or more, such as 500ms", f.delay)}
	}
	if f.timeout <= 0 {
		return &usageError{fmt.Sprintf("invalid --timeout %v: want a positive duration, such as 30s", f.timeout)}
	}
	return nil
}

func (f *crawlFlags) checkNumbers() error {
	if f.attempts < 1 {
		return &usageError{fmt.Sprintf("invalid --attempts %d: want 1 or more tries", f.attempts)}
	}
	if f.maxFailedPercent < 0 || f.maxFailedPercent > 100 {
		return &usageError{fmt.Sprintf("invalid --max-failed %v: want a percentage from 0 to 100", f.maxFailedPercent)}
	}
	return nil
}

// checkAuthor rejects a name or e-mail that would break the author line
// of a git commit, "NAME <EMAIL> TIME ZONE": a control character, such as a
// line break, or an angle bracket.
func (f *crawlFlags) checkAuthor() error {
	for _, v := range []struct{ flag, value string }{
		{"--author-name", f.authorName}, {"--author-email", f.author},
	} {
		if strings.ContainsAny(v.value, "<>") || strings.ContainsFunc(v.value, unicode.IsControl) {
			return &usageError{fmt.Sprintf("invalid %s %q: remove the control characters and angle brackets", v.flag, v.value)}
		}
	}
	return nil
}

func checkUserAgent(ua string) error {
	if err := config.CheckUserAgent(ua); err != nil {
		return &usageError{fmt.Sprintf("invalid --user-agent %q: %v", ua, err)}
	}
	return nil
}
