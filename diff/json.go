package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/collecte-cacem/collecte/snapshot"
)

// jsonSlot is the JSON form of a slot: {"jour": "Lundi", "semaine": "toutes"}.
type jsonSlot struct {
	Jour    string `json:"jour"`
	Semaine string `json:"semaine"`
}

// jsonChange is the JSON form of a change. Pointers let a stream change
// write flux, before and after always, with [] for an empty list, while an
// address change leaves all three out.
type jsonChange struct {
	Kind       string      `json:"kind"`
	AdresseKey string      `json:"adresse_key"`
	AdresseID  string      `json:"adresse_id"`
	Commune    string      `json:"commune"`
	Quartier   string      `json:"quartier"`
	Voie       string      `json:"voie"`
	Flux       *string     `json:"flux,omitempty"`
	Before     *[]jsonSlot `json:"before,omitempty"`
	After      *[]jsonSlot `json:"after,omitempty"`
}

// MarshalJSON writes the change with flux, before and after for the stream
// kinds, even when a list is empty, and without them for the address kinds.
func (c Change) MarshalJSON() ([]byte, error) {
	j := jsonChange{
		Kind:       c.Kind,
		AdresseKey: c.AdresseKey,
		AdresseID:  c.AdresseID,
		Commune:    c.Commune,
		Quartier:   c.Quartier,
		Voie:       c.Voie,
	}
	if streamKind(c.Kind) {
		before, after := encodeSlots(c.Before), encodeSlots(c.After)
		j.Flux, j.Before, j.After = &c.Flux, &before, &after
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a change written by MarshalJSON. It rejects an unknown
// kind and an invalid slot, and reads an empty slot list as nil.
func (c *Change) UnmarshalJSON(data []byte) error {
	var j jsonChange
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if kindRank(j.Kind) == len(kinds) {
		return fmt.Errorf("unknown change kind %q at address %q", j.Kind, j.AdresseKey)
	}

	out := Change{
		Kind:       j.Kind,
		AdresseKey: j.AdresseKey,
		AdresseID:  j.AdresseID,
		Commune:    j.Commune,
		Quartier:   j.Quartier,
		Voie:       j.Voie,
	}
	if j.Flux != nil {
		out.Flux = *j.Flux
	}
	var err error
	if out.Before, err = decodeSlots(j.Before); err != nil {
		return fmt.Errorf("address %q stream %q before: %w", j.AdresseKey, out.Flux, err)
	}
	if out.After, err = decodeSlots(j.After); err != nil {
		return fmt.Errorf("address %q stream %q after: %w", j.AdresseKey, out.Flux, err)
	}

	*c = out
	return nil
}

// MarshalJSON writes the report with changes as a list, [] when there is
// none, and counts for every kind.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report // plain has no MarshalJSON, so this does not recurse
	return json.Marshal(plain(newReport(r.From, r.To, r.Changes)))
}

// WriteJSON writes r to w as indented JSON followed by a newline. The output
// depends only on r: changes keep their order and counts are written with
// their keys sorted, every kind included.
func WriteJSON(w io.Writer, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report %s..%s: %w", r.From, r.To, err)
	}

	data = append(data, '\n')
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write report %s..%s: %w", r.From, r.To, err)
	}
	return nil
}

// ReadJSON decodes a report written by WriteJSON. Counts are recomputed from
// the changes rather than trusted, so they always match the list.
func ReadJSON(data []byte) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return Report{}, fmt.Errorf("decode report: %w", err)
	}
	if dec.More() {
		return Report{}, fmt.Errorf("decode report: unexpected data after the report object")
	}

	return newReport(r.From, r.To, r.Changes), nil
}

func encodeSlots(slots []snapshot.Slot) []jsonSlot {
	out := make([]jsonSlot, 0, len(slots))
	for _, s := range slots {
		out = append(out, jsonSlot{Jour: snapshot.DayName(s.Day), Semaine: string(s.Weeks)})
	}
	return out
}

func decodeSlots(slots *[]jsonSlot) ([]snapshot.Slot, error) {
	if slots == nil || len(*slots) == 0 {
		return nil, nil
	}

	out := make([]snapshot.Slot, 0, len(*slots))
	for _, s := range *slots {
		day, ok := snapshot.ParseDay(s.Jour)
		if !ok {
			return nil, fmt.Errorf("invalid jour %q: want a French weekday such as Lundi", s.Jour)
		}
		weeks, ok := snapshot.ParseWeeks(s.Semaine)
		if !ok {
			return nil, fmt.Errorf("invalid semaine %q: want toutes, paire or impaire", s.Semaine)
		}
		out = append(out, snapshot.Slot{Day: day, Weeks: weeks})
	}
	return out, nil
}
