// Package diff compares two snapshots and renders the result as JSON,
// Markdown and plain text, and holds the line diff used by the raw view of
// the archive.
//
// Compare pairs addresses by their adresse_key and, for each stream, compares
// the collection slots of both snapshots. Lines compares two texts line by
// line on top of github.com/sergi/go-diff; WriteUnified and SideBySide
// render its result.
package diff
