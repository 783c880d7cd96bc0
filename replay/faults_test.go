package replay

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func faultSite(t *testing.T, plan Plan) (*Faults, string) {
	t.Helper()
	l := &Legacy{
		Communes:  []LegacyCommune{{ID: 1, Name: "FORT-DE-FRANCE"}},
		Quartiers: []LegacyQuartier{{ID: 2, Name: "BALATA", CommuneID: 1}},
		Adresses:  []LegacyAdresse{{ID: 3, Name: "Absalon", QuartierID: 2}},
		Collectes: map[int][]LegacyCollecte{3: {{Title: "Ordures ménagères", Days: []string{"Lundi"}}}},
	}
	f := NewFaults(l.Handler(), plan)
	f.HugeSize = 5000
	f.TrickleInterval = time.Millisecond
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func TestFaultsResponses(t *testing.T) {
	tests := []struct {
		fault      Fault
		wantStatus int
		check      func(t *testing.T, resp *http.Response, body []byte, err error)
	}{
		{FaultNone, 200, wantBody(`"Ordures ménagères"`)},
		{FaultStatus503, 503, nil},
		{FaultTooMany, 429, func(t *testing.T, resp *http.Response, _ []byte, _ error) {
			if got := resp.Header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After: got %q, want 1", got)
			}
		}},
		{FaultHTML, 200, wantBody("<!DOCTYPE html>")},
		{FaultEmpty, 200, func(t *testing.T, _ *http.Response, body []byte, _ error) {
			if len(body) != 0 {
				t.Errorf("body: got %q, want none", body)
			}
		}},
		{FaultNoContent, 204, nil},
		{FaultHuge, 200, func(t *testing.T, _ *http.Response, body []byte, _ error) {
			if len(body) != 5000 {
				t.Errorf("body: got %d bytes, want 5000", len(body))
			}
		}},
		{FaultInvalidUTF8, 200, func(t *testing.T, _ *http.Response, body []byte, _ error) {
			if utf8.Valid(body) {
				t.Errorf("body is valid UTF-8: %q", body)
			}
		}},
		{FaultLyingCharset, 200, func(t *testing.T, resp *http.Response, body []byte, _ error) {
			if !strings.Contains(resp.Header.Get("Content-Type"), "ISO-8859-1") || !utf8.Valid(body) {
				t.Errorf("got Content-Type %q and body %q, want ISO-8859-1 declared for UTF-8", resp.Header.Get("Content-Type"), body)
			}
		}},
		{FaultWrongShape, 200, wantBody(`"GeneralError"`)},
		{FaultWrongID, 200, wantBody(`{"adresse":{"id":999999,"name":"Absalon","quartier_id":2}`)},
		{FaultTrickle, 200, wantBody(`"Ordures ménagères"`)},
		{FaultTruncate, 200, func(t *testing.T, _ *http.Response, body []byte, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("read error: got %v, want unexpected EOF after %q", err, body)
			}
		}},
	}

	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			f, base := faultSite(t, FaultAt("/get/collectes/3", tt.fault))

			resp, err := http.Get(base + "/get/collectes/3")
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			body, readErr := io.ReadAll(resp.Body)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, resp, body, readErr)
			}
			if tt.fault != FaultNone && f.Injected(tt.fault) != 1 {
				t.Errorf("injected: got %d, want 1", f.Injected(tt.fault))
			}
		})
	}
}

func wantBody(part string) func(t *testing.T, _ *http.Response, body []byte, err error) {
	return func(t *testing.T, _ *http.Response, body []byte, err error) {
		t.Helper()
		if err != nil || !strings.Contains(string(body), part) {
			t.Errorf("body: got %q (error %v), want it to contain %q", body, err, part)
		}
	}
}

func TestFaultsConnectionErrors(t *testing.T) {
	for _, fault := range []Fault{FaultReset, FaultRedirectLoop} {
		t.Run(fault.String(), func(t *testing.T) {
			_, base := faultSite(t, FaultAt("/get/collectes/3", fault))

			resp, err := http.Get(base + "/get/collectes/3")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET: got status %d, want an error", resp.StatusCode)
			}
		})
	}
}

func TestFaultAtAttempts(t *testing.T) {
	f, base := faultSite(t, FaultAt("/get/communes", FaultStatus503, 1, 2))

	var got []int
	for range 3 {
		resp, err := http.Get(base + "/get/communes")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}

	if want := []int{503, 503, 200}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("statuses: got %v, want %v", got, want)
	}
	if n := f.Requests("/get/communes"); n != 3 {
		t.Errorf("requests: got %d, want 3", n)
	}
}

func TestRandomPlan(t *testing.T) {
	plan := RandomPlan(7, 0.2, FaultStatus503, FaultHTML)
	again := RandomPlan(7, 0.2, FaultStatus503, FaultHTML)
	other := RandomPlan(8, 0.2, FaultStatus503, FaultHTML)

	faulted, differ := 0, 0
	kinds := map[Fault]int{}
	for i := range 10000 {
		uri := "/get/collectes/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		f := plan(uri, 1+i%3)
		if f != again(uri, 1+i%3) {
			t.Fatalf("plan with the same seed differs for %s", uri)
		}
		if f != other(uri, 1+i%3) {
			differ++
		}
		if f != FaultNone {
			faulted++
			kinds[f]++
		}
	}

	if faulted < 1700 || faulted > 2300 {
		t.Errorf("faulted requests: got %d of 10000, want about 2000", faulted)
	}
	if kinds[FaultStatus503] == 0 || kinds[FaultHTML] == 0 {
		t.Errorf("fault kinds: got %v, want both", kinds)
	}
	if differ == 0 {
		t.Error("another seed gives the same plan")
	}
	if f := plan("/robots.txt", 1); f != FaultNone {
		t.Errorf("robots.txt: got %v, want no fault", f)
	}
}

func TestRandomPlanAttemptsIndependent(t *testing.T) {
	plan := RandomPlan(3, 0.2, FaultStatus503)

	both := 0
	for i := range 10000 {
		uri := "/get/collectes/" + strconv.Itoa(i)
		if plan(uri, 1) != FaultNone && plan(uri, 2) != FaultNone {
			both++
		}
	}

	// Independent draws fault both attempts of about 4% of the URIs.
	if both < 300 || both > 500 {
		t.Errorf("URIs faulted on both attempts: got %d of 10000, want about 400", both)
	}
}
