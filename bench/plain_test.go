package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// plainItem is an item of the three lists of the generation-1 site, as the
// plain client decodes it.
type plainItem struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	QuartierID int    `json:"quartier_id"`
	CommuneID  int    `json:"commune_id"`
}

// plainCollectes is the body of GET /get/collectes/{id}.
type plainCollectes struct {
	Adresse struct {
		ID int `json:"id"`
	} `json:"adresse"`
	Collectes []struct {
		Title    string   `json:"title"`
		Days     []string `json:"days"`
		WeekType *string  `json:"week_type"`
	} `json:"collectes"`
}

// plainCrawl is the baseline of the crawl benchmarks: the requests of a
// generation-1 crawl, made with net/http and decoded with encoding/json
// only, with at most parallel requests in flight and keep-alive
// connections. It returns the number of addresses decoded.
func plainCrawl(ctx context.Context, base string, parallel int) (int, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(parallel, 2)
	defer t.CloseIdleConnections()
	client := &http.Client{Transport: t}

	for _, list := range []string{"communes", "quartiers"} {
		var items []plainItem
		if err := plainGet(ctx, client, base+"/get/"+list, &items); err != nil {
			return 0, err
		}
	}
	var adresses []plainItem
	if err := plainGet(ctx, client, base+"/get/adresses", &adresses); err != nil {
		return 0, err
	}

	return plainCollectesAll(ctx, client, base, adresses, parallel)
}

// plainCollectesAll fetches the collections of every address with parallel
// workers and stops at the first error.
func plainCollectesAll(ctx context.Context, client *http.Client, base string, adresses []plainItem, parallel int) (int, error) {
	next := make(chan int)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for id := range next {
				var doc plainCollectes
				err := plainGet(ctx, client, fmt.Sprintf("%s/get/collectes/%d", base, id), &doc)
				if err == nil && doc.Adresse.ID != id {
					err = fmt.Errorf("get collectes of %d: body is about address %d", id, doc.Adresse.ID)
				}
				if err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}

	for _, a := range adresses {
		next <- a.ID
	}
	close(next)
	wg.Wait()

	if first != nil {
		return 0, first
	}
	return len(adresses), nil
}

// plainGet fetches url and decodes its JSON body into v.
func plainGet(ctx context.Context, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", url, err)
	}
	return nil
}
