package config

import (
	"strings"
	"testing"
)

func TestUserAgentRejectsControlCharacters(t *testing.T) {
	tests := []struct {
		name, yaml string
	}{
		{"line feed", "user_agent: \"collecte\\nX-Injected: 1\"\n"},
		{"carriage return", "user_agent: \"collecte\\rbot\"\n"},
		{"tab", "user_agent: \"collecte\\tbot\"\n"},
		{"nul", "user_agent: \"collecte\\0bot\"\n"},
		{"delete", "user_agent: \"collecte\\x7fbot\"\n"},
		{"c1 control", "user_agent: \"collecte\\u0085bot\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Sources{File: writeFile(t, "c.yaml", tt.yaml)})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !strings.Contains(err.Error(), "invalid user_agent") {
				t.Errorf("error %q does not name user_agent", err)
			}
			if !strings.Contains(err.Error(), "control characters") {
				t.Errorf("error %q does not say why", err)
			}
		})
	}
}

func TestUserAgentAcceptsPrintableText(t *testing.T) {
	for _, ua := range []string{"", "collecte/1.0 (+https://example.org; contact@example.org)", "relevé-bot/2"} {
		if err := CheckUserAgent(ua); err != nil {
			t.Errorf("CheckUserAgent(%q) = %v, want nil", ua, err)
		}
	}
}
