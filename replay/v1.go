package replay

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
)

// DefaultMaxLimit is the cap on $limit of a V1 whose MaxLimit is 0.
const DefaultMaxLimit = 1000

// TrueTotal is the V1.Total value that reports the real number of records.
const TrueTotal = -1

// V1Path is the URL path of the generation-2 v1 endpoint.
const V1Path = "/api/v1/dechets/passages"

// V1Record is one (street, stream) record of the v1 endpoint. The fields are
// declared in the order in which the real server writes them.
type V1Record struct {
	Commune  string `json:"COMMUNE"`
	Flux     string `json:"FLUX"`
	Quartier string `json:"QUARTIER"`
	Voie     string `json:"VOIE"`
	// SemainePaire and SemaineImpaire list JavaScript weekday indexes
	// (0 = Sunday … 6 = Saturday) for even and odd ISO weeks. A nil list is
	// served as [].
	SemainePaire   []int `json:"semainePaire"`
	SemaineImpaire []int `json:"semaineImpaire"`
}

// V1 is a generation-2 site in memory, served by Handler as the paginated v1
// endpoint.
type V1 struct {
	Records []V1Record
	// MaxLimit is the server cap on $limit, DefaultMaxLimit when 0 or
	// negative. As a
	// Feathers service does, the server grants min($limit, MaxLimit) and
	// reports the granted value in the envelope's "limit".
	MaxLimit int
	// DefaultLimit is the limit granted to a request without $limit,
	// MaxLimit when 0 or negative.
	DefaultLimit int
	// Total is the value reported in "total", or TrueTotal (-1) for the
	// number of records. The zero value reports 0.
	Total int
}

// v1Page is the envelope of every v1 response.
type v1Page struct {
	Total int        `json:"total"`
	Limit int        `json:"limit"`
	Skip  int        `json:"skip"`
	Data  []V1Record `json:"data"`
}

// V1FromJSON decodes one recorded v1 page {total, limit, skip, data}. The
// result keeps the recorded total, even where it differs from the number of
// records, and takes the recorded limit as MaxLimit, so that a crawler
// requesting the recorded $limit gets the recorded page back. A page without
// "total" gets TrueTotal.
func V1FromJSON(data []byte) (*V1, error) {
	var page struct {
		Total *int        `json:"total"`
		Limit int         `json:"limit"`
		Data  *[]V1Record `json:"data"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("decode v1 page: %s", describeTypeError(typeErr))
		}
		return nil, fmt.Errorf("decode v1 page: %w", err)
	}
	if page.Data == nil {
		return nil, errors.New(`decode v1 page: missing "data" array`)
	}
	if page.Limit < 0 {
		return nil, fmt.Errorf("decode v1 page: invalid limit %d", page.Limit)
	}

	v := &V1{Records: *page.Data, MaxLimit: page.Limit, Total: TrueTotal}
	if page.Total != nil {
		v.Total = *page.Total
	}

	return v, nil
}

// describeTypeError names the part of a v1 page that has the wrong JSON
// type, in the words of JSON rather than of the Go types it decodes into.
func describeTypeError(e *json.UnmarshalTypeError) string {
	if e.Field == "" {
		return fmt.Sprintf("the file contains a JSON %s, want an object "+
			`{"total": N, "limit": N, "skip": N, "data": [records]} like the 2024 capture`, e.Value)
	}
	return fmt.Sprintf("field %q is a JSON %s at byte %d, want %s", e.Field, e.Value, e.Offset, jsonKind(e.Type))
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "another type"
}

// Handler returns a handler that serves v as the v1 endpoint:
// GET /api/v1/dechets/passages?$limit=N&$skip=M and /robots.txt. A $limit or
// $skip that is not a non-negative integer gets a 400 JSON error.
//
// Handler serves a copy of v as it is at the call, so later changes to v do
// not show in the returned handler: install a new one with Switch.Set instead.
//
// NOTE: other query parameters, such as Feathers filters and $sort, are
// ignored, and every request receives the records in their stored order.
func (v *V1) Handler() http.Handler {
	served := v.Clone()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", serveRobots)
	mux.HandleFunc("GET "+V1Path, served.servePage)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "no resource at "+r.URL.Path)
	})
	return mux
}

// Clone returns a deep copy of v, which the caller may change without
// affecting v.
func (v *V1) Clone() *V1 {
	c := *v
	c.Records = make([]V1Record, len(v.Records))

	for i, record := range v.Records {
		record.SemainePaire = slices.Clone(record.SemainePaire)
		record.SemaineImpaire = slices.Clone(record.SemaineImpaire)
		c.Records[i] = record
	}

	return &c
}

func (v *V1) servePage(w http.ResponseWriter, r *http.Request) {
	limit, skip, err := v.pageParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}

	body, err := marshalJSON(v.page(limit, skip))
	if err != nil {
		slog.Error("encode v1 page", "component", "replay", "url", r.URL.String(), "error", err)
		writeError(w, http.StatusInternalServerError, "GeneralError", err.Error())
		return
	}

	w.Header().Set("Content-Type", jsonContentType)
	w.Write(body)
}

// pageParams returns the granted limit and the skip of a request.
func (v *V1) pageParams(r *http.Request) (limit, skip int, err error) {
	query := r.URL.Query()
	maxLimit := positiveOr(v.MaxLimit, DefaultMaxLimit)

	limit = positiveOr(v.DefaultLimit, maxLimit)
	if query.Has("$limit") {
		limit, err = nonNegative(query, "$limit")
		if err != nil {
			return 0, 0, err
		}
	}

	if query.Has("$skip") {
		skip, err = nonNegative(query, "$skip")
		if err != nil {
			return 0, 0, err
		}
	}

	return min(limit, maxLimit), skip, nil
}

func nonNegative(query map[string][]string, name string) (int, error) {
	raw := query[name][0]

	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid %s %q: expected a non-negative integer", name, raw)
	}

	return n, nil
}

// page builds the envelope for records [skip, skip+limit).
func (v *V1) page(limit, skip int) v1Page {
	start := min(skip, len(v.Records))
	end := start + min(limit, len(v.Records)-start)

	data := make([]V1Record, end-start)
	for i, record := range v.Records[start:end] {
		record.SemainePaire = nonNil(record.SemainePaire)
		record.SemaineImpaire = nonNil(record.SemaineImpaire)
		data[i] = record
	}

	total := v.Total
	if total == TrueTotal {
		total = len(v.Records)
	}

	return v1Page{Total: total, Limit: limit, Skip: skip, Data: data}
}

// positiveOr returns value if it is positive, and fallback otherwise.
func positiveOr(value, fallback int) int {
	return cmp.Or(max(value, 0), fallback)
}
