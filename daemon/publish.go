package daemon

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/collecte-cacem/collecte/archive"
	"github.com/collecte-cacem/collecte/config"
	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/notify"
	"github.com/collecte-cacem/collecte/pipeline"
)

// publishFeeds commits the feeds of main to the feeds branch, so that a
// static host of the archive serves them too. The branch gets a commit
// only when the feeds changed. A failure is logged: the snapshot commit
// remains, and the next run writes the feeds again.
func (d *daemon) publishFeeds(res *pipeline.Result) {
	files, err := feed.Files(d.archive, d.feedOptions())
	if err != nil {
		d.log.Error("build feeds", "error", err)
		return
	}
	msg := "feeds"
	if res.Commit != nil {
		msg = "feeds for " + res.Commit.Hash
	}
	c, changed, err := d.archive.CommitBranch(FeedsBranch, files, archive.CommitOptions{Message: msg})
	if err != nil {
		d.log.Error("commit feeds", "branch", FeedsBranch, "error", err)
		return
	}
	if changed {
		d.log.Info("feeds committed", "branch", FeedsBranch, "commit", c.Hash)
	}
}

// newNotifier returns the notifier of the watchers and alerts, or nil when
// no mail server is configured.
func (d *daemon) newNotifier() (*notify.Notifier, error) {
	if d.cfg.SMTP.Host == "" {
		return nil, nil
	}
	s := notify.SMTP{
		Host:     d.cfg.SMTP.Host,
		Port:     d.cfg.SMTP.Port,
		Username: d.cfg.SMTP.Username,
		Password: d.cfg.SMTP.Password.Reveal(),
		From:     d.cfg.SMTP.From,
		TLS:      d.cfg.SMTP.TLS,
	}

	watchers := make([]notify.Watcher, len(d.cfg.Watchers))
	for i, w := range d.cfg.Watchers {
		watchers[i] = notify.Watcher{Email: w.Email, Selection: w.Selection}
	}
	opt := notify.Options{
		SMTP:          s,
		Watchers:      watchers,
		PublicURL:     d.cfg.PublicURL,
		OperatorEmail: d.cfg.OperatorEmail,
		StatePath:     filepath.Join(d.archive.Dir(), NotifyStateFile),
		Logger:        d.base,
		Location:      d.cfg.Location,
	}
	if d.opt.SMTP != nil {
		d.opt.SMTP(&opt.SMTP)
	}
	if d.opt.Notify != nil {
		d.opt.Notify(&opt)
	}
	if err := opt.Validate(); err != nil {
		return nil, config.Invalid(err)
	}
	return notify.New(opt)
}

// deliverPending runs Deliver once before the first crawl, so that new
// watchers start at the current HEAD and messages that a previous process
// left unsent go out.
func (d *daemon) deliverPending(ctx context.Context) {
	var o outcome
	d.deliver(ctx, &o)
	if o.mailSent > 0 || o.mailFailed > 0 {
		d.log.Info("pending e-mails delivered at start-up", "mail_sent", o.mailSent, "mail_failed", o.mailFailed)
	}
}

// deliver sends the messages due for the commits of main, including
// retries of earlier failed sends, and sets the retry timer to the next
// try of the messages that still wait. After an error it leaves the timer
// as it is, because the call may have stopped before it saw every message.
func (d *daemon) deliver(ctx context.Context, o *outcome) {
	if d.notifier == nil {
		return
	}
	stats, err := d.notifier.Deliver(ctx, d.archive)
	o.mailSent, o.mailFailed, o.mailRetried = stats.Sent, stats.Failed, stats.Retried
	d.metrics.mailSent.Add(float64(stats.Sent))
	d.metrics.mailFailures.Add(float64(stats.Failed))
	d.metrics.mailRetries.Add(float64(stats.Retried))
	if err != nil {
		d.log.Error("deliver e-mails", "error", err)
		return
	}
	d.scheduleRetry(stats.NextTry)
}

// checkWatchers logs one warning per commune, quartier or address of a
// watcher's filters that names no address of HEAD, such as a misspelt
// commune. It does not fail, because the site may list the value later.
func (d *daemon) checkWatchers() {
	if len(d.cfg.Watchers) == 0 {
		return
	}
	head, err := pipeline.ReadHead(d.archive)
	if err != nil {
		d.log.Error("check watcher filters against HEAD", "error", err)
		return
	}
	if head == nil {
		return // an empty archive: nothing to check against yet
	}

	for i, w := range d.cfg.Watchers {
		for _, u := range w.Selection.Unmatched(head.Snapshot) {
			d.log.Warn("watcher filter matches nothing at HEAD; it will match once the site lists it",
				"email", w.Email, "key", fmt.Sprintf("watchers[%d].%s", i, u.Field), "value", u.Value,
				"commit", head.Commit.Hash)
		}
	}
}
