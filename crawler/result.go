package crawler

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

// Errors returned by Crawl, to be tested with errors.Is.
var (
	// ErrCrawlFailed is matched by a *FailedError: at least one request
	// still failed after its retries, so the crawl is incomplete.
	ErrCrawlFailed = errors.New("crawl failed")

	// ErrUnknownSource is returned for a Config.Source that is neither
	// SourceLegacy nor SourceV1.
	ErrUnknownSource = errors.New("unknown source")

	// ErrInvalidConfig is returned for a Config field out of range.
	ErrInvalidConfig = errors.New("invalid crawler config")
)

// Result is the data one crawl fetched. Crawl returns it even when the crawl
// failed, so that the caller can report what went wrong. Such a result is
// incomplete and must not be stored as a snapshot.
type Result struct {
	Source  string
	BaseURL string

	Started  time.Time
	Finished time.Time

	// Records are the decoded source records, in the order the site
	// listed them.
	Records []snapshot.Record

	// Raw maps an archive path such as "raw/get/communes.json" to the
	// body of a successful request, byte for byte as received, before any
	// charset decoding.
	Raw map[string][]byte

	// Outcomes holds exactly one entry per planned request, in plan order.
	Outcomes []Outcome

	// Requests counts HTTP attempts (robots.txt excluded), Retries the
	// attempts after a first one, Bytes the body bytes of all attempts.
	Requests int
	Retries  int
	Bytes    int64

	// Warnings are data-quality oddities noticed while crawling, such as a
	// v1 total that disagrees with the records received.
	Warnings []snapshot.Warning
}

// Outcome is the final state of one planned request.
type Outcome struct {
	URL string
	// Path is the archive path of the raw body, such as
	// "raw/get/collectes/12.json".
	Path string
	// Status is the HTTP status of the last attempt, 0 if none arrived.
	Status   int
	Attempts int
	// Bytes is the body size of the last attempt.
	Bytes int
	// Err is empty on success, else why the request failed.
	Err string
	// Place is the address that a per-address request is about, and nil
	// for a list or page request. Without its list, a crawl means nothing,
	// while a failed address request leaves the other addresses valid.
	Place *snapshot.Place
}

// Failed reports whether the request failed.
func (o Outcome) Failed() bool {
	return o.Err != ""
}

// FailedError lists the requests that still failed after their retries.
type FailedError struct {
	Failed []Outcome
}

// maxNamed is how many failed URLs FailedError.Error spells out.
const maxNamed = 3

// Error names the first failed URLs with their reasons and counts the rest.
func (e *FailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crawl failed: %d request(s) failed after retries: ", len(e.Failed))

	for i, o := range e.Failed {
		if i == maxNamed {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-maxNamed)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", o.URL, o.Err)
	}

	return b.String()
}

// Unwrap returns ErrCrawlFailed.
func (e *FailedError) Unwrap() error {
	return ErrCrawlFailed
}

// failures returns a *FailedError for the failed outcomes, or nil.
func failures(outcomes []Outcome) error {
	var failed []Outcome
	for _, o := range outcomes {
		if o.Failed() {
			failed = append(failed, o)
		}
	}

	if len(failed) == 0 {
		return nil
	}
	return &FailedError{Failed: failed}
}
