package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestConfigErrorExitStatus(t *testing.T) {
	tests := []struct {
		name, extra string
	}{
		{"invalid value", "parallel: 0\n"},
		{"unknown key", "smtp_host: mail.example.org\n"},
		{"unreadable secret", "run_token_file: /nonexistent/run-token\n"},
		{"password without username", "smtp: {host: 127.0.0.1, from: c@example.org, tls: none}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := daemonConfig(t, tt.extra)
			if tt.name == "password without username" {
				t.Setenv("COLLECTE_SMTP_PASSWORD", "pa55word")
			}
			code, _, stderr := runCLI(t, "daemon", "--config", path)
			if code != exitConfig {
				t.Errorf("daemon exit = %d, want %d; stderr:\n%s", code, exitConfig, stderr)
			}
		})
	}

	code, _, _ := runCLI(t, "config", "--config", daemonConfig(t, "parallel: 0\n"))
	if code != exitConfig {
		t.Errorf("config exit = %d, want %d", code, exitConfig)
	}
}

// TestConfigShowsUnreadableSecret prints a configuration whose secret file
// exists only inside the systemd unit.
func TestConfigShowsUnreadableSecret(t *testing.T) {
	path := daemonConfig(t, "run_token_file: /run/credentials/collecte.service/run-token\n")
	code, stdout, stderr := runCLI(t, "config", "--config", path)
	if code != exitOK {
		t.Fatalf("config exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "run_token_file: /run/credentials/collecte.service/run-token # secret file not readable from here") {
		t.Errorf("output does not say the token file is not readable:\n%s", stdout)
	}
	if !strings.Contains(stderr, "collecte daemon fails at start") {
		t.Errorf("stderr does not warn that the daemon needs the file:\n%s", stderr)
	}
}

// TestUnitPreventsRestart checks that the systemd unit does not restart
// the daemon after an exit status that a restart cannot fix.
func TestUnitPreventsRestart(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "collecte.service"))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RestartPreventExitStatus="); ok {
			codes = append(codes, strings.Fields(v)...)
		}
	}
	for _, code := range []int{exitLocked, exitUsage, exitConfig} {
		if !slices.Contains(codes, strconv.Itoa(code)) {
			t.Errorf("RestartPreventExitStatus = %v lacks %d", codes, code)
		}
	}
}
