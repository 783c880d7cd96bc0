package snapshot

import (
	"encoding/json"
	"fmt"
	"time"
)

// ManifestPath is where the manifest of a crawl is archived. The manifest
// changes at every crawl, so it never decides on its own whether a snapshot
// changed.
const ManifestPath = "crawl.json"

// Manifest describes how a snapshot was obtained.
type Manifest struct {
	Source   string    `json:"source"`
	URL      string    `json:"url"`
	Version  string    `json:"collecte_version"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Requests int       `json:"requests"`
	Retries  int       `json:"retries"`
	Bytes    int64     `json:"bytes"`

	Addresses int `json:"addresses"`
	Rules     int `json:"rules"`
	Missing   int `json:"missing_collections"`

	// Warnings lists data-quality oddities, never null in the JSON.
	Warnings []Warning `json:"warnings"`

	// Stale lists the addresses whose request failed and whose rules were
	// carried from the previous snapshot.
	Stale []StaleAddress `json:"stale,omitempty"`

	// LeftOut lists the addresses new since the previous snapshot whose
	// request failed: they enter the archive once they are fetched.
	LeftOut []LeftOutAddress `json:"left_out,omitempty"`
}

// StaleAddress is an address carried from the previous snapshot because
// its request failed.
type StaleAddress struct {
	Key    string `json:"adresse_key"`
	ID     string `json:"adresse_id"`
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// LeftOutAddress is a new address that could not be fetched.
type LeftOutAddress struct {
	ID       string `json:"adresse_id"`
	Commune  string `json:"commune"`
	Quartier string `json:"quartier"`
	Voie     string `json:"voie"`
	URL      string `json:"url"`
	Reason   string `json:"reason"`
}

// EncodeManifest renders a manifest as indented JSON ending in a newline.
func EncodeManifest(m Manifest) ([]byte, error) {
	if m.Warnings == nil {
		m.Warnings = []Warning{}
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ManifestPath, err)
	}
	return append(out, '\n'), nil
}

// DecodeManifest parses a manifest written by EncodeManifest.
func DecodeManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("decode %s: %w", ManifestPath, err)
	}
	return m, nil
}
