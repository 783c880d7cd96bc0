package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/collecte-cacem/collecte/feed"
)

// alertTimeout bounds the sending of one operator alert.
const alertTimeout = time.Minute

// alert is an operator event to e-mail once the state is saved, with the
// level of its log line.
type alert struct {
	feed.OperatorEvent
	level slog.Level
}

// addEvent puts e at the top of the operator feed and returns it as an
// alert logged at level. It runs under the state lock.
func addEvent(s *runState, e feed.OperatorEvent, level slog.Level) *alert {
	s.Events = append([]feed.OperatorEvent{e}, s.Events...)
	return &alert{OperatorEvent: e, level: level}
}

// failureEvent counts a failed run and, when the streak reaches
// alert_after and no alert went out for it yet, adds the alert to the
// operator feed and returns it. It runs under the state lock.
func (d *daemon) failureEvent(s *runState, o *outcome) *alert {
	s.Failures++
	if s.Failures < d.cfg.AlertAfter || s.Alerted {
		return nil
	}
	s.Alerted = true
	return addEvent(s, feed.OperatorEvent{
		ID:    "failure-" + o.started.UTC().Format(time.RFC3339),
		When:  o.started,
		Title: fmt.Sprintf("collecte : %d relevés successifs en échec", s.Failures),
		Text: fmt.Sprintf("Les %d derniers relevés de %s ont échoué. Dernière erreur :\n\n%s\n\n"+
			"Dernier relevé réussi : %s.", s.Failures, d.cfg.URL, o.err, d.lastSuccess(s)),
	}, slog.LevelWarn)
}

// recoveryEvent ends the failure streak and, when an alert went out for
// it, adds the recovery to the operator feed and returns it. It runs under
// the state lock.
func (d *daemon) recoveryEvent(s *runState, o *outcome) *alert {
	failures, alerted := s.Failures, s.Alerted
	s.Failures, s.Alerted = 0, false
	if !alerted {
		return nil
	}
	return addEvent(s, feed.OperatorEvent{
		ID:    "recovery-" + o.started.UTC().Format(time.RFC3339),
		When:  o.started,
		Title: "collecte : relevés rétablis",
		Text: fmt.Sprintf("Le relevé de %s a réussi après %d échecs successifs.",
			d.cfg.URL, failures),
	}, slog.LevelInfo)
}

// lastSuccess writes the time of the last successful run in French, in the
// zone of the configuration, like every other operator message.
func (d *daemon) lastSuccess(s *runState) string {
	if s.LastSuccess.IsZero() {
		return "aucun"
	}
	return feed.FrenchDate(s.LastSuccess.In(d.cfg.Location))
}

// sendAlert logs e and e-mails it to the operator when an address and a
// mail server are configured.
// NOTE: an alert whose send fails is logged and counted, not retried; it
// stays in the operator feed.
func (d *daemon) sendAlert(e *alert) {
	d.log.Log(context.Background(), e.level, "operator alert", "title", e.Title, "id", e.ID)
	if d.notifier == nil || d.cfg.OperatorEmail == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), alertTimeout)
	defer cancel()
	if err := d.notifier.Alert(ctx, d.cfg.OperatorEmail, e.Title, e.Text); err != nil {
		d.metrics.mailFailures.Inc()
		d.log.Error("send operator alert", "to", d.cfg.OperatorEmail, "error", err)
		return
	}
	d.metrics.mailSent.Inc()
}

// operatorFeed serves GET /feed-operateur.atom.
func (d *daemon) operatorFeed(w http.ResponseWriter, r *http.Request) {
	f := feed.OperatorFeed(d.state.get().Events, d.feedOptions())
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	if err := feed.WriteAtom(w, f); err != nil {
		d.log.Error("write operator feed", "error", err)
	}
}

func (d *daemon) feedOptions() feed.Options {
	return feed.Options{PublicURL: d.cfg.PublicURL, Location: d.cfg.Location}
}
