package bench

import (
	"bytes"
	"testing"

	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/snapshot"
)

// TestSimulatorMatchesCrawl checks that the simulated records and raw bodies
// equal what the crawler produces from the same site, so that the archive
// growth benchmarks commit what real runs would.
func TestSimulatorMatchesCrawl(t *testing.T) {
	s := newSimulator(t, 1)
	s.mutate(20)

	srv, _ := serveLegacy(t, s.site)
	crawled := mustCrawl(t, crawler.SourceLegacy, srv.URL)

	got, err := snapshot.Encode(s.snapFromSite())
	if err != nil {
		t.Fatal(err)
	}
	built, _ := snapshot.Build(crawled.Records, nil)
	want, err := snapshot.Encode(built)
	if err != nil {
		t.Fatal(err)
	}
	for path := range want {
		if !bytes.Equal(got[path], want[path]) {
			t.Errorf("%s of the simulator differs from the crawl's", path)
		}
	}

	if len(s.raw) != len(crawled.Raw) {
		t.Errorf("simulator has %d raw bodies, crawl %d", len(s.raw), len(crawled.Raw))
	}
	for path, body := range crawled.Raw {
		if !bytes.Equal(s.raw[path], body) {
			t.Errorf("raw body %s of the simulator differs from the crawl's", path)
		}
	}
}

// TestSimulatorChangesRules checks that one step changes rules and reports
// them.
func TestSimulatorChangesRules(t *testing.T) {
	s := newSimulator(t, 2)
	before := s.snap

	files, err := s.next(10, t0())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(mustEncode(t, before)[snapshot.RulesPath], files[snapshot.RulesPath]) {
		t.Errorf("%s did not change after 10 mutations", snapshot.RulesPath)
	}
	if bytes.Contains(files["reports/changes.json"], []byte(`"changes": []`)) {
		t.Errorf("report lists no change after 10 mutations")
	}
}

func (s *simulator) snapFromSite() *snapshot.Snapshot {
	snap, _ := snapshot.Build(legacyRecords(s.site, legacyPlaces(s.site)), nil)
	return snap
}

func mustEncode(tb testing.TB, s *snapshot.Snapshot) map[string][]byte {
	tb.Helper()

	files, err := snapshot.Encode(s)
	if err != nil {
		tb.Fatal(err)
	}
	return files
}
