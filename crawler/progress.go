package crawler

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressInterval is the period of the progress lines written to a writer
// that is not a terminal. Tests shorten it.
var progressInterval = 5 * time.Second

// progress reports done of planned requests with retries and failures. A
// nil *progress reports nothing, so its methods may always be called.
type progress struct {
	mu                             sync.Mutex
	total, done, retries, failures int

	bar  *progressbar.ProgressBar
	quit chan struct{}
	wg   sync.WaitGroup
}

// newProgress returns a progress bar on a terminal w, a reporter of
// periodic Info lines on log for any other w, or nil for a nil w. The lines
// go through the crawl's logger so they keep the configured format.
func newProgress(w io.Writer, log *slog.Logger) *progress {
	if w == nil {
		return nil
	}

	p := &progress{}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(0,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetDescription("crawl"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		return p
	}

	p.quit = make(chan struct{})
	p.wg.Go(func() { p.tick(log) })
	return p
}

func isTerminal(w io.Writer) bool {
	fd, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(fd.Fd()))
}

func (p *progress) tick(log *slog.Logger) {
	t := time.NewTicker(progressInterval)
	defer t.Stop()

	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			log.Info("crawl progress", "done", p.done, "planned", p.total, "retries", p.retries, "failures", p.failures)
			p.mu.Unlock()
		}
	}
}

func (p *progress) planned(n int) {
	if p == nil {
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n
	if p.bar == nil {
		return
	}
	// A bar whose count reached its maximum stays finished, which happens
	// once the three legacy lists are done and before the addresses are
	// planned: start it again with the new maximum.
	if p.bar.IsFinished() {
		p.bar.Reset()
	}
	p.bar.ChangeMax(p.total)
	_ = p.bar.Set(p.done)
}

func (p *progress) retried() {
	if p == nil {
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.retries++
	p.describe()
}

func (p *progress) finished(failed bool) {
	if p == nil {
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failures++
	}
	p.describe()
	if p.bar != nil {
		_ = p.bar.Set(p.done)
	}
}

// describe updates the bar's text. The caller must hold p.mu.
func (p *progress) describe() {
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("crawl (retries %d, failures %d)", p.retries, p.failures))
	}
}

func (p *progress) stop() {
	if p == nil {
		return
	}

	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	close(p.quit)
	p.wg.Wait()
}
