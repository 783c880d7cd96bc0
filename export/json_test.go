package export

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestWriteJSONGolden(t *testing.T) {
	loc, err := time.LoadLocation("America/Martinique")
	if err != nil {
		t.Fatal(err)
	}
	meta := Meta{Commit: "0123456789abcdef0123456789abcdef01234567", Date: time.Date(2026, 12, 31, 6, 0, 0, 0, loc)}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, hostileSnapshot(), meta); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	checkGolden(t, "snapshot.json", buf.Bytes())
}

// TestWriteJSONContent decodes the document and checks it against the
// snapshot it came from.
func TestWriteJSONContent(t *testing.T) {
	s := hostileSnapshot()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, s, Meta{}); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var doc document
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}

	if doc.Commit != "" || doc.Date != nil {
		t.Errorf("commit, date = %q, %v, want both left out", doc.Commit, doc.Date)
	}
	if len(doc.Adresses) != len(s.Addresses) {
		t.Fatalf("adresses = %d, want %d", len(doc.Adresses), len(s.Addresses))
	}
	rules := 0
	for _, a := range doc.Adresses {
		for _, c := range a.Collectes {
			rules += len(c.Jours)
		}
	}
	if rules != len(s.Rules) {
		t.Errorf("collection days = %d, want %d rules", rules, len(s.Rules))
	}

	first := doc.Adresses[0]
	if got := first.Collectes[1]; got.Flux != "RS" || got.Jours[0] != (slot{Jour: "Mardi", Semaine: "impaire"}) {
		t.Errorf("second stream of %s = %+v, want RS on Mardi impaire", first.Key, got)
	}
	if len(first.Manquantes) != 1 || first.Manquantes[0] != "ENC" {
		t.Errorf("missing streams of %s = %v, want [ENC]", first.Key, first.Manquantes)
	}
	if last := doc.Adresses[len(doc.Adresses)-1]; last.Collectes == nil || len(last.Collectes) != 0 {
		t.Errorf("address without collection: collectes = %#v, want an empty array", last.Collectes)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"collectes": []`)) {
		t.Error("address without collection is not written with an empty array")
	}
}
