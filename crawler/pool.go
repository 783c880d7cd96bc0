package crawler

import (
	"context"
	"sync"
)

// runAll fetches jobs with at most cfg.Parallel in flight and returns their
// outcomes in job order. A job not started when ctx is canceled still gets
// its outcome, marked canceled.
func (f *fetcher) runAll(ctx context.Context, jobs []job) ([]Outcome, error) {
	f.progress.planned(len(jobs))

	outs := make([]Outcome, len(jobs))
	done := make([]bool, len(jobs))
	if len(jobs) == 0 {
		return outs, nil
	}

	next := make(chan int)
	var wg sync.WaitGroup
	for range min(f.cfg.Parallel, len(jobs)) {
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
