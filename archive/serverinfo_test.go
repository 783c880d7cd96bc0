package archive

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDumbHTTPCloneAfterCommits(t *testing.T) {
	requireGit(t)
	a := mustOpen(t)
	commitVersions(t, a, 2, true)
	runGit(t, a.Dir(), "update-server-info")

	hashes := commitVersions(t, a, 3, true)

	srv := httptest.NewServer(http.FileServer(http.Dir(a.Dir())))
	defer srv.Close()
	clone := filepath.Join(t.TempDir(), "clone")
	runGit(t, t.TempDir(), "clone", "-q", srv.URL+"/", clone)

	head := strings.TrimSpace(runGit(t, clone, "rev-parse", "HEAD"))
	if want := hashes[len(hashes)-1]; head != want {
		t.Errorf("clone over dumb HTTP is at %s, want the archive's head %s", head, want)
	}
	checkFsck(t, clone)
}

func TestServerInfoNotCreated(t *testing.T) {
	a := mustOpen(t)
	commitVersions(t, a, 2, true)

	for _, name := range []string{infoPacksPath, infoRefsPath} {
		if _, err := os.Stat(filepath.Join(a.Dir(), filepath.FromSlash(name))); !os.IsNotExist(err) {
			t.Errorf("%s exists after commits (err %v), want it left to git update-server-info", name, err)
		}
	}
}

func TestSetRefLine(t *testing.T) {
	const (
		oldMain = "1111111111111111111111111111111111111111"
		newMain = "2222222222222222222222222222222222222222"
		tag     = "3333333333333333333333333333333333333333"
		peeled  = "4444444444444444444444444444444444444444"
	)
	listing := oldMain + "\trefs/heads/main\n" + tag + "\trefs/tags/v1\n" + peeled + "\trefs/tags/v1^{}\n"

	got := string(setRefLine([]byte(listing), "refs/heads/main", newMain))
	want := newMain + "\trefs/heads/main\n" + tag + "\trefs/tags/v1\n" + peeled + "\trefs/tags/v1^{}\n"
	if got != want {
		t.Errorf("replacing main:\n%s\nwant:\n%s", got, want)
	}

	got = string(setRefLine([]byte(tag+"\trefs/tags/v1\n"), "refs/heads/main", newMain))
	want = newMain + "\trefs/heads/main\n" + tag + "\trefs/tags/v1\n"
	if got != want {
		t.Errorf("adding main:\n%s\nwant:\n%s", got, want)
	}
}
