package replay

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Raw capture layouts, as stored in an archived snapshot.
const (
	// legacyRawPrefix contains generation-1 bodies: raw/get/communes.json is the
	// body of GET /get/communes, raw/get/collectes/467.json the body of
	// GET /get/collectes/467.
	legacyRawPrefix = "raw/get/"
	// v1RawPrefix contains generation-2 pages named skip-%07d.json after the
	// $skip of the request.
	v1RawPrefix = "raw/api/v1/dechets/passages/"
)

// legacyRawLists are the files that a generation-1 raw capture must contain.
var legacyRawLists = []string{
	"raw/get/communes.json", "raw/get/quartiers.json", "raw/get/adresses.json",
}

// ErrNoRawCapture is returned by FromRaw when the files contain no raw capture
// of either generation.
var ErrNoRawCapture = errors.New("no raw capture")

// FromRaw rebuilds a server from the raw captures of an archived snapshot,
// keyed by slash-separated path relative to the snapshot directory. Files
// outside raw/ are ignored.
//
// A generation-1 capture (raw/get/communes.json, quartiers.json,
// adresses.json and raw/get/collectes/{id}.json) is served byte for byte at
// the mirrored URL paths. A generation-2 capture
// (raw/api/v1/dechets/passages/skip-%07d.json) is decoded page by page, the
// data arrays are joined in path order, and the result is served paged as a
// V1 that keeps the first page's total and takes its limit as MaxLimit.
func FromRaw(files map[string][]byte) (http.Handler, error) {
	legacy, v1 := splitRaw(files)

	switch {
	case len(legacy) > 0 && len(v1) > 0:
		return nil, fmt.Errorf("raw capture contains both %s and %s files: "+
			"a snapshot records one generation of the site", legacyRawPrefix, v1RawPrefix)
	case len(legacy) > 0:
		return legacyFromRaw(legacy)
	case len(v1) > 0:
		return v1FromRaw(v1)
	}

	return nil, fmt.Errorf("%w: expected %s or %s*.json among %d files",
		ErrNoRawCapture, strings.Join(legacyRawLists, ", "), v1RawPrefix+"skip-", len(files))
}

// splitRaw returns the generation-1 and generation-2 files of files.
func splitRaw(files map[string][]byte) (legacy, v1 map[string][]byte) {
	legacy = map[string][]byte{}
	v1 = map[string][]byte{}

	for path, body := range files {
		switch {
		case strings.HasPrefix(path, legacyRawPrefix):
			legacy[path] = body
		case strings.HasPrefix(path, v1RawPrefix):
			v1[path] = body
		}
	}

	return legacy, v1
}

func legacyFromRaw(files map[string][]byte) (http.Handler, error) {
	for _, path := range legacyRawLists {
		if _, ok := files[path]; !ok {
			return nil, fmt.Errorf("generation-1 raw capture: missing %s", path)
		}
	}

	served := staticFiles{}
	for path, body := range files {
		urlPath, ok := strings.CutSuffix(strings.TrimPrefix(path, "raw"), ".json")
		if !ok {
			return nil, fmt.Errorf("generation-1 raw capture: %s is not a .json file", path)
		}
		served[urlPath] = body
	}

	return served.handler(), nil
}

func v1FromRaw(files map[string][]byte) (http.Handler, error) {
	paths := make([]string, 0, len(files))
	for path := range files {
		if !isRawPageName(path) {
			return nil, fmt.Errorf("generation-2 raw capture: unexpected file %s, "+
				"expected pages named like %s", path, rawPageName(0))
		}
		paths = append(paths, path)
	}
	slices.Sort(paths)

	var joined *V1
	for _, path := range paths {
		page, err := V1FromJSON(files[path])
		if err != nil {
			return nil, fmt.Errorf("generation-2 raw capture %s: %w", path, err)
		}
		if joined == nil {
			joined = page
			continue
		}
		joined.Records = append(joined.Records, page.Records...)
	}

	return joined.Handler(), nil
}

// rawPageName returns the archive path of the v1 page fetched with $skip=skip.
func rawPageName(skip int) string {
	return fmt.Sprintf(v1RawPrefix+"skip-%07d.json", skip)
}

// isRawPageName reports whether path is rawPageName(skip) for some skip, so
// that sorting the paths as strings sorts the pages by skip.
func isRawPageName(path string) bool {
	digits, ok := strings.CutPrefix(path, v1RawPrefix+"skip-")
	if !ok {
		return false
	}
	digits, ok = strings.CutSuffix(digits, ".json")
	if !ok {
		return false
	}

	skip, err := strconv.Atoi(digits)
	return err == nil && path == rawPageName(skip)
}
