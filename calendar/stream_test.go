package calendar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseStream(t *testing.T) {
	present := []string{"OM", "RS", "DECHETS_DANGEREUX"}
	tests := []struct {
		code, want string
	}{
		{"OM", "OM"},
		{"om", "OM"},
		{" Deee ", "DEEE"},
		{"enc", "ENC"},
		{"dechets_dangereux", "DECHETS_DANGEREUX"},
	}
	for _, tt := range tests {
		got, err := ParseStream(tt.code, present)
		if err != nil || got != tt.want {
			t.Errorf("ParseStream(%q) = %q, %v; want %q", tt.code, got, err, tt.want)
		}
	}
}

func TestParseStreamRejects(t *testing.T) {
	tests := []struct {
		code    string
		present []string
		text    string
	}{
		{"XYZ", nil, `invalid stream code "XYZ": want one of OM, RS, ENC, DV, DEEE or a code present in the snapshot`},
		{"XYZ", []string{"OM", "DECHETS_DANGEREUX"}, "or a code present in the snapshot (DECHETS_DANGEREUX)"},
		{"", nil, `invalid stream code ""`},
		{"DECHETS_DANGEREUX", []string{"OM"}, `"DECHETS_DANGEREUX"`},
	}
	for _, tt := range tests {
		_, err := ParseStream(tt.code, tt.present)
		if !errors.Is(err, ErrUnknownStream) {
			t.Errorf("ParseStream(%q) error = %v, want ErrUnknownStream", tt.code, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.text) {
			t.Errorf("ParseStream(%q) error = %q, want it to contain %q", tt.code, err, tt.text)
		}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"", ""},
		{"https://collecte.example.org/adresse/x", "https://collecte.example.org/adresse/x"},
		{`http://x/a b"<>`, "http://x/a%20b%22%3C%3E"},
		{`http://x/a?q=c d&e="f"`, "http://x/a?q=c%20d&e=%22f%22"},
		{"http://x/a%20b?q=%22", "http://x/a%20b?q=%22"},
		{"http://x/é?q=é", "http://x/%C3%A9?q=%C3%A9"},
		{"http://x/a#frag ment", "http://x/a#frag%20ment"},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	for _, raw := range []string{"ftp://x/a", "/adresse/x", "mailto:a@example.org", "http://x/a\r\nb", "http://x/%zz"} {
		if _, err := ParseURL(raw); !errors.Is(err, ErrURL) {
			t.Errorf("ParseURL(%q) error = %v, want ErrURL", raw, err)
		}
	}
}

func TestICSWritesEscapedURL(t *testing.T) {
	var buf bytes.Buffer
	opt := ICSOptions{From: date(2026, 12, 1), To: date(2026, 12, 31), PublicURL: `http://x/a b"<>`, Now: stamp}
	if err := WriteICS(&buf, thursdayAddress, thursdaySchedules, opt); err != nil {
		t.Fatal(err)
	}
	checkStructure(t, buf.Bytes())
	got := buf.String()
	if n := strings.Count(got, "\r\nURL:http://x/a%20b%22%3C%3E\r\n"); n < 2 {
		t.Errorf("escaped URL lines = %d, want the calendar's and each event's", n)
	}
	if strings.Contains(got, `"<>`) {
		t.Error("calendar holds the URL unescaped")
	}
}
