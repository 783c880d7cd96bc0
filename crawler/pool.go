package crawler

import (
	"context"
	"runtime"
	"sync"
)

// slots admits at most Config.Parallel requests into colly at a time. Each
// request takes a slot before colly sends it and gives it back once colly has
// read the body, so that the slot is free before the body is validated and
// decoded.
type slots chan struct{}

// slotHold is one attempt's claim on a slot. It is used by one goroutine only,
// because colly runs the callbacks of a synchronous collector in the
// goroutine that called Request.
type slotHold struct {
	slots slots
	held  bool
}

// acquire waits for a free slot or for the end of ctx.
func (h *slotHold) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		h.held = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives the slot back if h holds it, then yields the processor. A
// second call does nothing.
//
// The Go scheduler (runtime.ready, Go 1.26) queues a goroutine that a
// channel operation wakes to run next on the waker's processor, once the
// waker blocks or yields, unless an idle processor takes it first. Without
// the yield, the worker waiting for this slot would often send its request
// only after this body is validated and decoded, the very work that its
// request is meant to overlap. On the 2021 replay at Parallel 1 the yield
// also cut the median CPU time of a crawl by about a tenth over 24 runs.
func (h *slotHold) release() {
	if h.held {
		h.held = false
		<-h.slots
		runtime.Gosched()
	}
}

// runAll fetches jobs with at most cfg.Parallel in flight and returns their
// outcomes in job order. A job not started when ctx is canceled still gets
// its outcome, marked canceled.
//
// It runs one worker more than cfg.Parallel. The slots keep the extra
// worker's request out of colly until a request in flight is over, so the
// extra worker validates and decodes a body, or parses its next URL, while
// cfg.Parallel requests are in flight. With Parallel 1 on two cores, the
// decoding of one body thus overlaps the transfer of the next.
func (f *fetcher) runAll(ctx context.Context, jobs []job) ([]Outcome, error) {
	f.progress.planned(len(jobs))

	outs := make([]Outcome, len(jobs))
	done := make([]bool, len(jobs))
	if len(jobs) == 0 {
		return outs, nil
	}

	next := make(chan int)
	var wg sync.WaitGroup
	for range min(f.cfg.Parallel+1, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				outs[i], _ = f.get(ctx, jobs[i])
				done[i] = true
			}
		})
	}

	f.feed(ctx, next, len(jobs))
	wg.Wait()

	for i, j := range jobs {
		if !done[i] {
			outs[i], _ = f.get(ctx, j)
		}
	}
	return outs, ctx.Err()
}

// feed sends the job indexes 0 to n-1 on next until ctx is done, then closes
// next.
func (f *fetcher) feed(ctx context.Context, next chan<- int, n int) {
	defer close(next)

	for i := range n {
		if ctx.Err() != nil {
			return
		}

		select {
		case next <- i:
		case <-ctx.Done():
			return
		}
	}
}
