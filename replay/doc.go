// Package replay serves recorded CACEM data as the collection site's JSON API
// on loopback, for tests, the demo and work on historical data. It serves
// both generations: the four /get/... endpoints of collecte-dechets.cacem.fr
// (Legacy, rebuilt from the 2021 CSV by LegacyFromCSV) and the paginated
// /api/v1/dechets/passages endpoint of api.cacem.fr (V1). FromRaw rebuilds a
// server from the raw responses stored in an archived snapshot, Switch swaps
// the served data while a server runs, and Serve runs a server on a loopback
// address.
package replay
