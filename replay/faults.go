package replay

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// Fault is a kind of broken response that Faults injects.
type Fault int

// The faults that Faults can inject. FaultNone serves the wrapped handler's
// response unchanged.
const (
	FaultNone         Fault = iota
	FaultStatus503          // 503 Service Unavailable
	FaultTooMany            // 429 Too Many Requests with Retry-After
	FaultReset              // connection closed before any response byte
	FaultTrickle            // the real body, one byte per TrickleInterval
	FaultTruncate           // full Content-Length, half the body, then close
	FaultHTML               // 200 text/html maintenance page
	FaultEmpty              // 200 application/json with no body
	FaultNoContent          // 204 No Content
	FaultRedirectLoop       // 302 back to the same URL
	FaultHuge               // the real body padded with spaces to HugeSize
	FaultInvalidUTF8        // ISO-8859-1 bytes declared as UTF-8
	FaultLyingCharset       // UTF-8 bytes declared as ISO-8859-1
	FaultWrongShape         // 200 JSON of another shape
	FaultWrongID            // the first "id" of the body replaced by 999999
)

var faultNames = [...]string{"none", "503", "429", "reset", "trickle", "truncate", "html",
	"empty", "204", "redirect-loop", "huge", "invalid-utf8", "lying-charset", "wrong-shape", "wrong-id"}

// String returns the fault's short name, such as "503" or "truncate".
func (f Fault) String() string {
	if f < 0 || int(f) >= len(faultNames) {
		return "fault(" + strconv.Itoa(int(f)) + ")"
	}
	return faultNames[f]
}

// DefaultHugeSize is the body size of FaultHuge when Faults.HugeSize is 0,
// one MiB above the crawler's default 10 MiB cap.
const DefaultHugeSize = 11 << 20

// Plan chooses the fault of one request from its request URI (path and
// query) and its attempt number, counted from 1 per request URI.
type Plan func(uri string, attempt int) Fault

// Faults is an http.Handler that serves Handler's responses, broken as Plan
// chooses. It counts requests per request URI, so a plan can fail the first
// attempts of a URL and let a retry through. Tests use it to prove that a
// broken site never turns into a false change in the archive.
type Faults struct {
	// Handler serves the real responses, such as Legacy.Handler().
	Handler http.Handler
	// Plan chooses the faults. Nil injects none.
	Plan Plan
	// HugeSize is the body size of FaultHuge, DefaultHugeSize when 0.
	HugeSize int
	// TrickleInterval is the pause between two bytes of FaultTrickle, one
	// second when 0.
	TrickleInterval time.Duration
	// RetryAfter is the Retry-After value of FaultTooMany, "1" when empty.
	RetryAfter string

	mu       sync.Mutex
	attempts map[string]int
	injected map[Fault]int
}

// NewFaults returns a Faults that serves h broken by plan.
func NewFaults(h http.Handler, plan Plan) *Faults {
	return &Faults{Handler: h, Plan: plan}
}

// Injected returns how many responses of kind fault were served.
func (f *Faults) Injected(fault Fault) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected[fault]
}

// Requests returns how many requests arrived for uri.
func (f *Faults) Requests(uri string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[uri]
}

// ServeHTTP counts the request, asks the plan for a fault and serves it.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fault := f.choose(r.URL.RequestURI())
	if fault == FaultNone {
		f.Handler.ServeHTTP(w, r)
		return
	}

	switch fault {
	case FaultStatus503:
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case FaultTooMany:
		w.Header().Set("Retry-After", cmpOr(f.RetryAfter, "1"))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
	case FaultReset:
		closeConn(w, nil)
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>Site en maintenance</h1></body></html>")
	case FaultEmpty:
		w.Header().Set("Content-Type", jsonContentType)
	case FaultNoContent:
		w.WriteHeader(http.StatusNoContent)
	case FaultRedirectLoop:
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
	case FaultWrongShape:
		w.Header().Set("Content-Type", jsonContentType)
		fmt.Fprint(w, `{"name":"GeneralError","message":"unexpected","code":200}`)
	default:
		f.serveAltered(w, r, fault)
	}
}

func (f *Faults) choose(uri string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()

	if f.attempts == nil {
		f.attempts, f.injected = map[string]int{}, map[Fault]int{}
	}
	f.attempts[uri]++
	if f.Plan == nil {
		return FaultNone
	}

	fault := f.Plan(uri, f.attempts[uri])
	if fault != FaultNone {
		f.injected[fault]++
	}
	return fault
}

// serveAltered serves the real response with its body or headers broken.
func (f *Faults) serveAltered(w http.ResponseWriter, r *http.Request, fault Fault) {
	rec := httptest.NewRecorder()
	f.Handler.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	ctype := rec.Header().Get("Content-Type")

	switch fault {
	case FaultTruncate:
		head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			rec.Code, http.StatusText(rec.Code), ctype, len(body))
		closeConn(w, append([]byte(head), body[:len(body)/2]...))
		return
	case FaultTrickle:
		f.trickle(w, r, rec.Code, ctype, body)
		return
	case FaultHuge:
		body = append(body, bytes.Repeat([]byte(" "), max(cmpOr(f.HugeSize, DefaultHugeSize)-len(body), 0))...)
	case FaultInvalidUTF8:
		body = latin1(body)
	case FaultLyingCharset:
		ctype = "application/json; charset=ISO-8859-1"
	case FaultWrongID:
		body = replaceFirstID(body)
	}

	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(rec.Code)
	w.Write(body)
}

var idMember = regexp.MustCompile(`"id":\d+`)

// replaceFirstID sets the first "id" member of a JSON body to 999999.
func replaceFirstID(body []byte) []byte {
	loc := idMember.FindIndex(body)
	if loc == nil {
		return body
	}
	return slices.Concat(body[:loc[0]], []byte(`"id":999999`), body[loc[1]:])
}

// latin1 returns body encoded in ISO-8859-1, or with a 0xFF byte inserted
// after its first quote when it is pure ASCII, so it is invalid UTF-8.
func latin1(body []byte) []byte {
	encoded, err := charmap.ISO8859_1.NewEncoder().Bytes(body)
	if err == nil && !bytes.Equal(encoded, body) {
		return encoded
	}

	i := bytes.IndexByte(body, '"') + 1
	return append(append(bytes.Clone(body[:i]), 0xFF), body[i:]...)
}

// trickle writes body one byte per TrickleInterval until done or until the
// client goes away.
func (f *Faults) trickle(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	rc := http.NewResponseController(w)

	interval := cmpOr(f.TrickleInterval, time.Second)
	for i := range body {
		if _, err := w.Write(body[i : i+1]); err != nil {
			return
		}
		_ = rc.Flush()

		select {
		case <-r.Context().Done():
			return
		case <-time.After(interval):
		}
	}
}

// closeConn hijacks the connection, writes raw and closes it, so the client
// sees a reset or a short body.
func closeConn(w http.ResponseWriter, raw []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "replay: cannot hijack the connection: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()

	if len(raw) > 0 {
		buf.Write(raw)
		buf.Flush()
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// FaultAt returns a plan that serves fault to the requests for uri whose
// attempt number is listed, or to every request for uri when none is.
func FaultAt(uri string, fault Fault, attempts ...int) Plan {
	return func(u string, attempt int) Fault {
		if u != uri {
			return FaultNone
		}
		if len(attempts) == 0 {
			return fault
		}
		for _, a := range attempts {
			if a == attempt {
				return fault
			}
		}
		return FaultNone
	}
}

// RandomPlan returns a plan that serves one of faults, picked at random, to
// a share rate (0 to 1) of the requests. The choice is a hash of seed, the
// request URI and the attempt, so a seed gives the same faults whatever the
// order in which requests arrive. /robots.txt is never faulted, because a
// robots.txt failure skips the whole crawl.
func RandomPlan(seed uint64, rate float64, faults ...Fault) Plan {
	return func(uri string, attempt int) Fault {
		if uri == "/robots.txt" || len(faults) == 0 {
			return FaultNone
		}

		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s\x00%d", seed, uri, attempt)
		sum := mix(h.Sum64())
		if float64(sum>>11)/(1<<53) >= rate {
			return FaultNone
		}
		return faults[(sum&0x7ff)%uint64(len(faults))]
	}
}

// mix is the splitmix64 finalizer. FNV-1a alone changes only its middle
// bits when the last input byte changes, so two attempts of one URI would
// get the same draw.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
