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
