package daemon

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/collecte-cacem/collecte/feed"
	"github.com/collecte-cacem/collecte/pipeline"
)

// dropEvent adds the alert of a sudden drop that the run held back to the
// operator feed and returns it. A drop that replaced one already pending
// gets none, because the operator was alerted when the first one was held
// back. It runs under the state lock.
func (d *daemon) dropEvent(s *runState, o *outcome) *alert {
	drop := o.res.Drop
	if o.res.Awaiting == "" || drop == nil || o.res.Replaced != nil {
		return nil
	}
	return addEvent(s, feed.OperatorEvent{
		ID:    "drop-" + o.started.UTC().Format(time.RFC3339),
		When:  o.started,
		Title: "collecte : baisse soudaine en attente de confirmation",
		Text:  dropText(drop, d.cfg.Location),
	}, slog.LevelWarn)
}

// dropText describes a held-back drop in French for the operator, with the
// dates in loc.
func dropText(drop *pipeline.Drop, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Le relevé du %s a perdu d'un coup, par rapport au dernier instantané archivé (%s) :\n\n",
		feed.FrenchDate(drop.Detected.In(loc)), shortHash(drop.Head))
	if n := len(drop.Addresses); n > 0 {
		fmt.Fprintf(&b, "- %s sur %s\n", addresses(n), feed.Thousands(drop.HeadAddresses))
		for _, c := range drop.Communes {
			fmt.Fprintf(&b, "    %s : %s sur %s\n", c.Commune, feed.Thousands(c.Lost), feed.Thousands(c.Total))
		}
	}
	for _, code := range drop.Streams {
		fmt.Fprintf(&b, "- toutes les collectes du flux %s\n", code)
	}

	b.WriteString("\nRien n'a été enregistré ni envoyé aux abonnés. Le prochain relevé enregistrera " +
		"cette perte seulement s'il perd exactement les mêmes adresses et les mêmes flux. " +
		"Sinon, sa perte remplacera celle-ci et attendra à son tour le relevé suivant.\n\n")
	fmt.Fprintf(&b, "La liste des adresses perdues est dans le fichier %s du répertoire de l'archive.",
		pipeline.PendingFile)
	return b.String()
}

func addresses(n int) string {
	if n == 1 {
		return "1 adresse"
	}
	return feed.Thousands(n) + " adresses"
}

// shortHash returns the first 12 digits of a commit hash, as the crawl
// command prints it.
func shortHash(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
