package web

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/replay"
)

// smallArchive crawls a site of one street into a new archive.
func smallArchive(t *testing.T) *archive.Archive {
	t.Helper()
	l := &replay.Legacy{
		Communes:  []replay.LegacyCommune{{ID: 1, Name: "LE LAMENTIN"}},
		Quartiers: []replay.LegacyQuartier{{ID: 1, Name: "BELLE ÉTOILE", CommuneID: 1}},
		Adresses:  []replay.LegacyAdresse{{ID: 1, Name: "Rue des Flamboyants", QuartierID: 1}},
		Collectes: map[int][]replay.LegacyCollecte{
			1: {{Title: "Ordures ménagères (bac gris)", Days: []string{"Mardi", "Vendredi"}}},
		},
	}
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crawl(a, srv.URL); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEmptyArchiveUnavailable(t *testing.T) {
	a, err := archive.Open(filepath.Join(t.TempDir(), "vide"))
	if err != nil {
		t.Fatal(err)
	}
	h, logs := newTestHandler(a)
	for _, target := range []string{"/", "/recherche?q=rue", "/chronologie", "/manquantes", "/instantane/HEAD", "/adresse/a_b_c"} {
		t.Run(target, func(t *testing.T) {
			res := get(t, h, target)
			page := body(t, res)
			if res.StatusCode != 503 {
				t.Errorf("status = %d, want 503", res.StatusCode)
			}
			if !strings.Contains(page, "aucun instantané") {
				t.Errorf("page does not say the archive is empty")
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("an empty archive is logged as an error:\n%s", logs)
	}
}

func TestArchiveFailureLogged(t *testing.T) {
	a := smallArchive(t)
	if err := os.RemoveAll(filepath.Join(a.Dir(), "objects")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(a.Dir(), "objects"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The history index would still serve the timeline, which reads no
	// object then. Without the index, the page has to read the archive.
	if err := os.Remove(filepath.Join(a.Dir(), history.FileName)); err != nil {
		t.Fatal(err)
	}
	h, logs := newTestHandler(a)

	for _, target := range []string{"/", "/chronologie", "/manquantes", "/instantane/HEAD"} {
		t.Run(target, func(t *testing.T) {
			res := get(t, h, target)
			page := body(t, res)
			if res.StatusCode != 500 {
				t.Errorf("status = %d, want 500", res.StatusCode)
			}
			if !strings.Contains(page, "Erreur interne") {
				t.Errorf("page lacks the French error title")
			}
		})
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), " error=") {
		t.Errorf("logs lack an error under the key \"error\":\n%s", logs)
	}
}

func TestHeadSnapshotCached(t *testing.T) {
	a := smallArchive(t)
	st := newStore(a, nil)
	first, err := st.current()
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.current()
	if err != nil {
		t.Fatal(err)
	}
	if first != again {
		t.Errorf("second call decoded the snapshot again")
	}

	head, err := a.Head()
	if err != nil {
		t.Fatal(err)
	}
	files, err := a.Read(head.Hash, "")
	if err != nil {
		t.Fatal(err)
	}
	files["data/adresses.csv"] = append(files["data/adresses.csv"],
		[]byte("le-lamentin_belle-etoile_rue-neuve,,LE LAMENTIN,BELLE ÉTOILE,Rue Neuve\n")...)
	if _, _, err := a.Commit(files, archive.CommitOptions{Message: "add a street"}); err != nil {
		t.Fatal(err)
	}

	moved, err := st.current()
	if err != nil {
		t.Fatal(err)
	}
	if moved == first {
		t.Fatal("snapshot not read again after HEAD moved")
	}
	if got := len(moved.snap.Addresses); got != 2 {
		t.Errorf("new HEAD has %d addresses, want 2", got)
	}
}
