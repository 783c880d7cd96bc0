package crawler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/collecte-cacem/collecte/snapshot"
)

// v1Page is the Feathers envelope of /api/v1/dechets/passages. Pointers
// tell a missing field from a zero one.
type v1Page struct {
	Total *int        `json:"total"`
	Limit *int        `json:"limit"`
	Skip  *int        `json:"skip"`
	Data  *[]v1Record `json:"data"`
}

// v1Record is one (street, stream) record. A missing or null day list is
// taken as empty.
type v1Record struct {
	Commune        *string `json:"COMMUNE"`
	Quartier       *string `json:"QUARTIER"`
	Voie           *string `json:"VOIE"`
	Flux           *string `json:"FLUX"`
	SemainePaire   []int   `json:"semainePaire"`
	SemaineImpaire []int   `json:"semaineImpaire"`
}

// v1Decoded is what one page brought.
type v1Decoded struct {
	total   int
	granted int
	records []snapshot.Record
}

// errEndlessPaging rejects the page after which paging should have ended.
var errEndlessPaging = errors.New("paging did not end")

// crawlV1 pages through the v1 endpoint with $skip until a page holds fewer
// records than the limit the server granted. The envelope's total is not
// trusted to end paging, because the real site reports a total far below
// the number of records it serves. Pages are fetched one after the other
// because each $skip depends on the previous page.
func crawlV1(ctx context.Context, f *fetcher, res *Result) error {
	skip, total := 0, 0
	for page := 1; ; page++ {
		var got v1Decoded
		out, err := f.runOne(ctx, v1Job(f.cfg, skip, page, &got))
		res.Outcomes = append(res.Outcomes, out)
		if err != nil || out.Failed() {
			return err
		}

		res.Records = append(res.Records, got.records...)
		if f.cfg.OnRecords != nil {
			f.cfg.OnRecords(got.records)
		}
		skip += len(got.records)
		total = got.total
		if len(got.records) < got.granted {
			break
		}
	}

	if total != len(res.Records) {
		w := snapshot.Warning{
			Code:    "total_mismatch",
			Message: fmt.Sprintf("the v1 envelope reports a total of %d records but %d arrived", total, len(res.Records)),
			Count:   len(res.Records),
		}
		f.log.Warn(w.Message, "code", w.Code, "total", total, "received", len(res.Records))
		res.Warnings = append(res.Warnings, w)
	}
	return nil
}

// runOne fetches a single job.
func (f *fetcher) runOne(ctx context.Context, j job) (Outcome, error) {
	outs, err := f.runAll(ctx, []job{j})
	return outs[0], err
}

func v1Job(cfg Config, skip, page int, dst *v1Decoded) job {
	return job{
		url:  fmt.Sprintf("%s/api/v1/dechets/passages?$limit=%d&$skip=%d", cfg.BaseURL, cfg.PageLimit, skip),
		path: fmt.Sprintf("raw/api/v1/dechets/passages/skip-%07d.json", skip),
		decode: func(body []byte) error {
			got, err := decodeV1Page(body, skip)
			if err != nil {
				return err
			}
			if page >= cfg.MaxPages && len(got.records) >= got.granted {
				return fmt.Errorf("%w after %d full pages: the server may ignore $skip (raise MaxPages if the site is that large)", errEndlessPaging, page)
			}
			*dst = got
			return nil
		},
	}
}

// decodeV1Page decodes one page requested with $skip=skip. The envelope must
// echo skip and grant a positive limit, and hold no more records than it.
func decodeV1Page(body []byte, skip int) (v1Decoded, error) {
	var p v1Page
	if err := unmarshalJSON(body, '{', &p); err != nil {
		return v1Decoded{}, err
	}

	if err := p.check(skip); err != nil {
		return v1Decoded{}, err
	}

	d := v1Decoded{total: *p.Total, granted: *p.Limit}
	for i, rec := range *p.Data {
		r, err := rec.record()
		if err != nil {
			return v1Decoded{}, fmt.Errorf("data[%d] (skip %d): %w", i, skip, err)
		}
		d.records = append(d.records, r)
	}
	return d, nil
}

func (p v1Page) check(skip int) error {
	switch {
	case p.Total == nil:
		return errors.New("missing \"total\"")
	case p.Limit == nil:
		return errors.New("missing \"limit\"")
	case p.Skip == nil:
		return errors.New("missing \"skip\"")
	case p.Data == nil:
		return errors.New("missing \"data\"")
	case *p.Skip != skip:
		return fmt.Errorf("skip is %d (want the requested %d): the server ignored $skip", *p.Skip, skip)
	case *p.Limit <= 0:
		return fmt.Errorf("granted limit is %d (want at least 1)", *p.Limit)
	case len(*p.Data) > *p.Limit:
		return fmt.Errorf("page holds %d records, more than the granted limit %d", len(*p.Data), *p.Limit)
	}
	return nil
}

func (r v1Record) record() (snapshot.Record, error) {
	fields := []struct {
		name  string
		value *string
	}{{"COMMUNE", r.Commune}, {"QUARTIER", r.Quartier}, {"VOIE", r.Voie}, {"FLUX", r.Flux}}
	for _, fl := range fields {
		if fl.value == nil {
			return snapshot.Record{}, fmt.Errorf("missing %q", fl.name)
		}
	}

	even, err := jsWeekdays(r.SemainePaire)
	if err != nil {
		return snapshot.Record{}, fmt.Errorf("semainePaire: %w", err)
	}
	odd, err := jsWeekdays(r.SemaineImpaire)
	if err != nil {
		return snapshot.Record{}, fmt.Errorf("semaineImpaire: %w", err)
	}

	return snapshot.Record{
		Place:     snapshot.Place{Commune: *r.Commune, Quartier: *r.Quartier, Voie: *r.Voie},
		Label:     *r.Flux,
		EvenWeeks: even,
		OddWeeks:  odd,
	}, nil
}

func jsWeekdays(idx []int) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, i := range idx {
		d, err := jsWeekday(i)
		if err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	return days, nil
}
