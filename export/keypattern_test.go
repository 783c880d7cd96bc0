package export

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/collecte-cacem/collecte/snapshot"
)

// keyPattern returns the pattern of adresse_key in the adresses resource
// of a datapackage.json, compiled by Go's regexp as a whole-value match.
func keyPattern(t *testing.T, descriptor []byte) (string, *regexp.Regexp) {
	t.Helper()
	var pkg struct {
		Resources []struct {
			Name   string `json:"name"`
			Schema struct {
				Fields []struct {
					Name        string `json:"name"`
					Constraints struct {
						Pattern string `json:"pattern"`
					} `json:"constraints"`
				} `json:"fields"`
			} `json:"schema"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(descriptor, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, r := range pkg.Resources {
		for _, f := range r.Schema.Fields {
			if r.Name == "adresses" && f.Name == "adresse_key" {
				re, err := regexp.Compile(`^(?:` + f.Constraints.Pattern + `)$`)
				if err != nil {
					t.Fatalf("Go's regexp rejects the pattern %q: %v", f.Constraints.Pattern, err)
				}
				return f.Constraints.Pattern, re
			}
		}
	}
	t.Fatal("datapackage.json has no adresse_key field in the adresses resource")
	return "", nil
}

func TestKeyPatternAcceptsRealKeys(t *testing.T) {
	for _, tt := range realSnapshots {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.build(t)
			pattern, re := keyPattern(t, encode(t, s)[snapshot.PackagePath])
			// Python's re, used by frictionless-py, has no \p{..} escapes.
			if strings.Contains(pattern, `\p`) || strings.Contains(pattern, `\P`) {
				t.Errorf("pattern %q uses a \\p escape", pattern)
			}

			rejected := 0
			for _, a := range s.Addresses {
				if !re.MatchString(a.Key) {
					rejected++
					t.Errorf("pattern rejects key %q", a.Key)
				}
				if rejected == 10 {
					t.Fatal("more keys rejected")
				}
			}
			if len(s.Addresses) < 2000 {
				t.Errorf("keys checked = %d, want the whole snapshot", len(s.Addresses))
			}
		})
	}
}

func TestKeyPatternCases(t *testing.T) {
	_, re := keyPattern(t, encode(t, legacySample(t))[snapshot.PackagePath])
	tests := []struct {
		key  string
		want bool
	}{
		{"fort-de-france_hyper-centre-ville_rue-louis-blanc~467", true},
		{"schoelcher_sans-nom_rue-2", true},
		{"le-lamentin_ζωή_rue-ä", true},
		{"Fort-de-france_balata_absalon", false},
		{"fort de france_balata_absalon", false},
		{"fort-de-france_balata", false},
		{"fort-de-france_balata_absalon_x", false},
		{"fort-de-france__absalon", false},
		{"fort--de_balata_absalon", false},
		{"-fort_balata_absalon", false},
		{"fort_balata_absalon~", false},
		{"fort_balata_absalon~1~2", false},
		{"fort_balata_absalon\n", false},
		{"fort_balata_abs.alon", false},
	}
	for _, tt := range tests {
		if got := re.MatchString(tt.key); got != tt.want {
			t.Errorf("pattern matches %q = %v, want %v", tt.key, got, tt.want)
		}
	}
}
