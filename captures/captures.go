// Package captures embeds the real recordings of the CACEM collection site so
// that the binary, its tests and the demo can replay them without the network.
// See README.md in this directory for the origin and licence of each file.
package captures

import (
	"bytes"
	_ "embed"
)

//go:embed cacem-2021/cacem-dechets.csv
var legacy2021 []byte

//go:embed cacem-api-v1/passages-2024.json
var v1Passages2024 []byte

//go:embed cacem-api-v1/passages-sample.json
var v1Sample []byte

// Legacy2021 returns the May 2021 crawl of the generation-1 site
// (collecte-dechets.cacem.fr), flattened to one CSV row per (address, title,
// day, week type): 9,298 rows for 2,141 addresses. Each call returns a new
// copy, so the caller may modify it.
func Legacy2021() []byte {
	return bytes.Clone(legacy2021)
}

// V1Passages2024 returns the September 2024 response of the generation-2
// endpoint GET https://api.cacem.fr/api/v1/dechets/passages: one page of
// 12,045 records whose envelope reports total 1550 and limit 15000. Each call
// returns a new copy, so the caller may modify it.
func V1Passages2024() []byte {
	return bytes.Clone(v1Passages2024)
}

// V1Sample returns 30 records of the September 2024 capture, chosen for their
// quirks, in the same envelope (total 30, limit 1000, skip 0). Each call
// returns a new copy, so the caller may modify it.
func V1Sample() []byte {
	return bytes.Clone(v1Sample)
}
