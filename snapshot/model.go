// Package snapshot is the data model of collecte: addresses, waste streams
// and collection rules, the building of a snapshot from source records, its
// encoding to and decoding from the files of the archive, and the
// missing-collections analysis. It imports nothing else of this module.
package snapshot

import "time"

// Weeks is the ISO 8601 week parity in which a rule applies.
type Weeks string

// The three week values written in the "semaine" column.
const (
	Every Weeks = "toutes"
	Even  Weeks = "paire"
	Odd   Weeks = "impaire"
)

// The stream codes of the CACEM network. A stream unknown to this list gets a
// code derived from its source label (see StreamCode).
const (
	StreamHousehold = "OM"   // household waste, grey bin
	StreamRecycling = "RS"   // dry recyclables and packaging, yellow bin
	StreamBulky     = "ENC"  // bulky items
	StreamGreen     = "DV"   // green waste
	StreamAppliance = "DEEE" // electrical and electronic appliances
)

// Place is a street as a source names it.
type Place struct {
	// ID is the source's own address id, empty for a source without ids.
	ID       string
	Commune  string
	Quartier string
	Voie     string
}

// Record is one (street, stream) entry as a source published it, already
// decoded from the source's JSON but not yet normalised.
type Record struct {
	Place

	// Label is the stream as published: a generation-1 title such as
	// "Emballages (bac jaune)" or a generation-2 FLUX code such as "RS".
	// An empty Label records an address listed without any collection.
	Label string

	// EvenWeeks and OddWeeks list the weekdays of collection in even and odd
	// ISO weeks. A weekday in both is collected every week.
	EvenWeeks []time.Weekday
	OddWeeks  []time.Weekday
}

// Address is one street of a snapshot.
type Address struct {
	// Key is the stable adresse_key (see Key).
	Key      string
	ID       string
	Commune  string
	Quartier string
	Voie     string
}

// Rule says that an address has a stream collected on a weekday in the given
// weeks.
type Rule struct {
	Key   string
	Flux  string
	Day   time.Weekday
	Weeks Weeks
}

// Slot is the day part of a rule, used where the address and stream are
// known from context.
type Slot struct {
	Day   time.Weekday
	Weeks Weeks
}

// Missing is an address that has no collection day for a stream that the
// network collects somewhere in the same snapshot.
type Missing struct {
	Key  string
	Flux string
}

// Warning is a data-quality oddity found while building a snapshot.
type Warning struct {
	// Code is a stable identifier such as "duplicate_record".
	Code string `json:"code"`
	// Message is a sentence for the operator.
	Message string `json:"message"`
	// Count is how many records the warning covers.
	Count int `json:"count"`
}

// Snapshot is the normalised state of the whole network at one crawl.
// Addresses are sorted by Key and Rules by (Key, Flux, Day, Weeks), in the
// orders used by the CSV files, so two snapshots of the same data are equal.
type Snapshot struct {
	Addresses []Address
	Rules     []Rule
}
