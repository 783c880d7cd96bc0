package daemon

import (
	"context"
	"path/filepath"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/config"
)

// archiveWithCommits returns an archive with one commit on main and one
// on the feeds branch.
func archiveWithCommits(t *testing.T, dir string) (*archive.Archive, string) {
	t.Helper()
	a, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := a.Commit(archive.Files{"data/a.csv": []byte("a\n")}, archive.CommitOptions{Message: "snapshot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.CommitBranch(FeedsBranch, archive.Files{"feeds/feed.atom": []byte("<feed/>\n")},
		archive.CommitOptions{Message: "feeds"}); err != nil {
		t.Fatal(err)
	}
	return a, c.Hash
}

func bareRemote(t *testing.T, dir string) {
	t.Helper()
	if _, err := git.PlainInit(dir, true); err != nil {
		t.Fatal(err)
	}
}

func remoteRef(t *testing.T, dir, ref string) string {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := repo.Reference(plumbing.ReferenceName(ref), false)
	if err != nil {
		t.Fatalf("remote %s: %v", ref, err)
	}
	return r.Hash().String()
}

func TestPushToBareRepository(t *testing.T) {
	tmp := t.TempDir()
	_, hash := archiveWithCommits(t, filepath.Join(tmp, "archive"))

	for _, tt := range []struct{ name, url string }{
		{"path", filepath.Join(tmp, "remote-path.git")},
		{"file URL", "file://" + filepath.Join(tmp, "remote-url.git")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			remote := filepath.Join(tmp, filepath.Base(tt.url))
			bareRemote(t, remote)
			p := config.Push{URL: tt.url, Branch: "archive"}

			if err := Push(context.Background(), filepath.Join(tmp, "archive"), p); err != nil {
				t.Fatalf("push: %v", err)
			}
			if got := remoteRef(t, remote, "refs/heads/archive"); got != hash {
				t.Errorf("remote archive branch = %s, want %s", got, hash)
			}
			remoteRef(t, remote, "refs/heads/"+FeedsBranch)

			if err := Push(context.Background(), filepath.Join(tmp, "archive"), p); err != nil {
				t.Errorf("second push of the same commits: %v, want nil", err)
			}
		})
	}
}

// TestFailedPushIsRetried pushes to a remote that does not exist yet, then
// again once it exists, as the next run does.
func TestFailedPushIsRetried(t *testing.T) {
	tmp := t.TempDir()
	remote := filepath.Join(tmp, "remote.git")
	cfg := writeConfig(t, "archive: "+filepath.Join(tmp, "archive")+"\npush: {url: "+remote+"}\n")
	d := newTestDaemon(t, cfg, nil)
	_, hash := archiveWithCommits(t, d.archive.Dir())

	if err := d.push(context.Background()); err == nil {
		t.Fatal("push to a missing remote succeeded")
	}
	head, err := d.archive.Head()
	if err != nil || head.Hash != hash {
		t.Fatalf("local head after a failed push = %v, %v; want %s", head, err, hash)
	}

	bareRemote(t, remote)
	if err := d.push(context.Background()); err != nil {
		t.Fatalf("retried push: %v", err)
	}
	if got := remoteRef(t, remote, "refs/heads/main"); got != hash {
		t.Errorf("remote main = %s, want %s", got, hash)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:tok@example.org/r.git", "https://user:xxxxx@example.org/r.git"},
		{"https://example.org/r.git", "https://example.org/r.git"},
		{"git@example.org:r.git", "git@example.org:r.git"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
