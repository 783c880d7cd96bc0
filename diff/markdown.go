package diff

import (
	"fmt"
	"io"
	"strings"

	"github.com/collecte-cacem/collecte/snapshot"
)

// WriteMarkdown writes r as a French Markdown document for people: a title,
// the revisions when known, a summary line, then one section per commune
// and one subsection per quartier, with one bullet per change such as
// "- **Absalon** — Ordures ménagères : Mercredi et Samedi → Mercredi
// (semaines paires)".
//
// Names are escaped, so that a name cannot add markup, and control
// characters in them are written as spaces, so that a name cannot end a
// bullet. A report without changes gets the sentence "Aucun changement.".
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	b.WriteString("# Changements des collectes\n\n")
	if line := revisionLine(r.From, r.To); line != "" {
		b.WriteString(line + "\n\n")
	}

	if len(r.Changes) == 0 {
		b.WriteString("Aucun changement.\n")
	} else {
		b.WriteString(frenchSummary(r) + ".\n")
		writeSections(&b, r.Changes)
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown report %s..%s: %w", r.From, r.To, err)
	}
	return nil
}

// revisionLine names the compared revisions in their short form, or returns
// "" when neither is known.
func revisionLine(from, to string) string {
	switch {
	case from != "" && to != "":
		return fmt.Sprintf("Du %s au %s.", revision(from), revision(to))
	case to != "":
		return fmt.Sprintf("Premier instantané : %s.", revision(to))
	case from != "":
		return fmt.Sprintf("Depuis %s.", revision(from))
	}
	return ""
}

// revision returns the first 12 characters of a commit hash as inline code.
func revision(rev string) string {
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "`" + strings.ReplaceAll(clean(rev), "`", "'") + "`"
}

// writeSections writes the changes under a heading per commune and quartier.
// Names are grouped by their folded form, and a heading shows the first
// spelling met, so that spellings that differ only in case share a section.
func writeSections(b *strings.Builder, changes []Change) {
	commune, quartier := "", ""
	for i, c := range changes {
		newCommune := i == 0 || snapshot.Fold(c.Commune) != commune
		if newCommune {
			commune = snapshot.Fold(c.Commune)
			fmt.Fprintf(b, "\n## %s\n", markdownName(c.Commune))
		}
		if newCommune || snapshot.Fold(c.Quartier) != quartier {
			quartier = snapshot.Fold(c.Quartier)
			fmt.Fprintf(b, "\n### %s\n\n", markdownName(c.Quartier))
		}
		b.WriteString(markdownBullet(c) + "\n")
	}
}

// markdownBullet returns the list item of one change.
func markdownBullet(c Change) string {
	name := "**" + markdownName(c.Voie) + "**"
	if strings.Contains(c.AdresseKey, "~") {
		// Another address has the same names: the source id tells them apart.
		name += " (identifiant " + markdownEscape(clean(c.AdresseID)) + ")"
	}
	switch c.Kind {
	case KindAddressAdded:
		return "- " + name + " — nouvelle adresse"
	case KindAddressRemoved:
		return "- " + name + " — adresse retirée"
	}

	stream := markdownEscape(clean(snapshot.StreamName(c.Flux)))
	return fmt.Sprintf("- %s — %s : %s → %s", name, stream,
		markdownEscape(frenchSlots(c.Before)), markdownEscape(frenchSlots(c.After)))
}

// markdownName returns a name ready for Markdown: control characters
// written as spaces, surrounding spaces trimmed (emphasis does not open
// next to a space), punctuation escaped, and "(sans nom)" for an empty
// name.
func markdownName(s string) string {
	s = strings.TrimSpace(clean(s))
	if s == "" {
		return "(sans nom)"
	}
	return markdownEscape(s)
}

// markdownSpecial lists the ASCII punctuation that can start markup in
// CommonMark or GitHub Flavored Markdown wherever it appears in a line.
// Every ASCII punctuation character may be escaped with a backslash, so
// escaping one more than needed is harmless.
const markdownSpecial = "\\`*_{}[]<>#|~!&$"

// markdownEscape backslash-escapes the characters of markdownSpecial.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
