package pipeline

import (
	"errors"
	"fmt"

	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/snapshot"
)

// DefaultMaxFailed is the share of address requests that may fail in a run
// that still commits, the failed addresses keeping their previous rules.
const DefaultMaxFailed = 0.05

// partial is the part of a crawl with failed address requests that may
// still be committed:
// the addresses carried from HEAD with their raw bodies, and the new
// addresses left out until they are fetched.
type partial struct {
	stale   []snapshot.StaleAddress
	leftOut []snapshot.LeftOutAddress
	raw     map[string][]byte
}

// planPartial decides whether a crawl that ended with crawlErr can be
// committed. A list or page request that failed fails the run, because
// without the lists the absence of an address means nothing. So does any
// failure in the first crawl of an archive, which has nothing to carry
// from, and a share of failed addresses above maxFailed.
func planPartial(a archiveReader, crawled *crawler.Result, crawlErr error, prev *Previous, maxFailed float64) (*partial, error) {
	p := &partial{raw: map[string][]byte{}}
	if crawlErr == nil {
		return p, nil
	}

	var failed *crawler.FailedError
	if !errors.As(crawlErr, &failed) {
		return nil, crawlErr
	}
	for _, o := range failed.Failed {
		if o.Place == nil {
			return nil, fmt.Errorf("list request failed, so the crawl cannot be committed: %w", crawlErr)
		}
	}
	if prev == nil {
		return nil, fmt.Errorf("the first snapshot of an archive must be complete: %w", crawlErr)
	}

	planned := 0
	for _, o := range crawled.Outcomes {
		if o.Place != nil {
			planned++
		}
	}
	if share := float64(len(failed.Failed)) / float64(planned); share > maxFailed {
		return nil, fmt.Errorf("%d of %d address requests failed (%.1f%%, more than the %.1f%% allowed): %w",
			len(failed.Failed), planned, 100*share, 100*maxFailed, crawlErr)
	}

	if err := p.carry(a, failed.Failed, prev); err != nil {
		return nil, err
	}
	return p, nil
}

// archiveReader is the part of the archive that planPartial reads.
type archiveReader interface {
	ReadFile(hash, path string) ([]byte, error)
}

// carry sorts the failed addresses into those known to HEAD, whose rules
// and raw body are kept, and new ones, left out.
func (p *partial) carry(a archiveReader, failed []crawler.Outcome, prev *Previous) error {
	byID := map[string]snapshot.Address{}
	for _, addr := range prev.Snapshot.Addresses {
		if addr.ID != "" {
			byID[addr.ID] = addr
		}
	}

	for _, o := range failed {
		addr, known := byID[o.Place.ID]
		if !known {
			p.leftOut = append(p.leftOut, snapshot.LeftOutAddress{
				ID: o.Place.ID, Commune: o.Place.Commune, Quartier: o.Place.Quartier,
				Voie: o.Place.Voie, URL: o.URL, Reason: o.Err,
			})
			continue
		}

		p.stale = append(p.stale, snapshot.StaleAddress{Key: addr.Key, ID: addr.ID, URL: o.URL, Reason: o.Err})
		body, err := a.ReadFile(prev.Commit.Hash, o.Path)
		if err != nil {
			return fmt.Errorf("carry raw capture %s of stale address %s from %s: %w",
				o.Path, addr.Key, prev.Commit.Hash, err)
		}
		p.raw[o.Path] = body
	}
	return nil
}

// staleKeys returns the keys of the carried addresses.
func (p *partial) staleKeys() []string {
	keys := make([]string, len(p.stale))
	for i, s := range p.stale {
		keys[i] = s.Key
	}
	return keys
}
