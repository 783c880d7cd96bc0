package bench

import (
	"net/http/httptest"
	"testing"

	"github.com/collecte-cacem/collecte/captures"
	"github.com/collecte-cacem/collecte/crawler"
	"github.com/collecte-cacem/collecte/diff"
	"github.com/collecte-cacem/collecte/replay"
	"github.com/collecte-cacem/collecte/snapshot"
)

// realRecords crawls the real 2021 and 2024 captures on loopback and returns
// their records.
func realRecords(b *testing.B) (r2021, r2024 []snapshot.Record) {
	b.Helper()

	srv, _ := serveLegacy(b, mustLegacy2021(b))
	r2021 = mustCrawl(b, crawler.SourceLegacy, srv.URL).Records

	v1, err := replay.V1FromJSON(captures.V1Passages2024())
	if err != nil {
		b.Fatal(err)
	}
	srv2 := httptest.NewServer(v1.Handler())
	b.Cleanup(srv2.Close)
	r2024 = mustCrawl(b, crawler.SourceV1, srv2.URL).Records
	return r2021, r2024
}

// BenchmarkSnapshot times Build, Encode and Decode of the real 2021 and 2024
// snapshots, and Compare of the two, with their allocations.
func BenchmarkSnapshot(b *testing.B) {
	r2021, r2024 := realRecords(b)
	s2021, _ := snapshot.Build(r2021, nil)
	s2024, _ := snapshot.Build(r2024, s2021)

	for _, c := range []struct {
		name    string
		records []snapshot.Record
		s       *snapshot.Snapshot
	}{{"2021", r2021, s2021}, {"2024", r2024, s2024}} {
		files := mustEncode(b, c.s)
		b.Run("Build/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				snapshot.Build(c.records, nil)
			}
		})
		b.Run("Encode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := snapshot.Encode(c.s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Decode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := snapshot.Decode(files); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	b.Run("Compare/2021-2024", func(b *testing.B) {
		b.ReportAllocs()
		var changes int
		for b.Loop() {
			changes = len(diff.Compare(s2021, s2024).Changes)
		}
		b.ReportMetric(float64(changes), "changes")
	})
}
