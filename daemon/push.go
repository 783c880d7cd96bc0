package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/collecte-cacem/collecte/config"
)

// push sends main and the feeds branch to the configured remote. It runs
// after every run, so a push that failed is retried by the next one, and
// the local commits stay whatever the remote does. It returns nil when no
// remote is configured or the remote is up to date.
func (d *daemon) push(ctx context.Context) error {
	p := d.cfg.Push
	if p.URL == "" {
		return nil
	}
	err := Push(ctx, d.archive.Dir(), p)
	if err != nil {
		d.metrics.pushFailures.Inc()
		d.log.Error("push archive; the next run retries", "remote", redactURL(p.URL), "error", err)
		return err
	}
	d.log.Debug("archive pushed", "remote", redactURL(p.URL))
	return nil
}

// Push pushes refs/heads/main of the bare repository dir to p.Branch of
// p.URL, and refs/heads/feeds to feeds when it exists. It never forces: a
// remote that diverged fails the push and keeps its history.
func Push(ctx context.Context, dir string, p config.Push) error {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return fmt.Errorf("open %s for push: %w", dir, err)
	}
	specs := []gitconfig.RefSpec{gitconfig.RefSpec("refs/heads/main:refs/heads/" + p.Branch)}
	feeds := plumbing.NewBranchReferenceName(FeedsBranch)
	if _, err := repo.Reference(feeds, false); err == nil {
		specs = append(specs, gitconfig.RefSpec(feeds+":"+feeds))
	}

	auth, err := pushAuth(p)
	if err != nil {
		return err
	}
	// An in-memory remote: the repository's config file stays untouched.
	remote := git.NewRemote(repo.Storer, &gitconfig.RemoteConfig{Name: "push", URLs: []string{p.URL}})
	err = remote.PushContext(ctx, &git.PushOptions{RemoteName: "push", RefSpecs: specs, Auth: auth})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("push to %s: %w", redactURL(p.URL), err)
	}
	return nil
}

// pushAuth returns basic auth carrying the token for an HTTPS remote, or
// the SSH key for an SSH remote. The SSH host key is checked against the
// known_hosts files, $SSH_KNOWN_HOSTS or ~/.ssh/known_hosts.
func pushAuth(p config.Push) (transport.AuthMethod, error) {
	if p.Token != "" {
		return &githttp.BasicAuth{Username: "collecte", Password: p.Token.Reveal()}, nil
	}
	if p.SSHKeyFile == "" {
		return nil, nil
	}
	user := "git"
	if ep, err := transport.NewEndpoint(p.URL); err == nil && ep.User != "" {
		user = ep.User
	}
	auth, err := gitssh.NewPublicKeysFromFile(user, p.SSHKeyFile, "")
	if err != nil {
		return nil, fmt.Errorf("read push.ssh_key_file %s: %w", p.SSHKeyFile, err)
	}
	return auth, nil
}

// redactURL removes a password from a remote URL before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || !strings.Contains(raw, "://") {
		return raw
	}
	return u.Redacted()
}
