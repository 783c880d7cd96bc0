package main

import (
	"flag"
	"slices"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("format", "", "")
	fs.Bool("verbose", false, "")
	tests := []struct {
		args              []string
		flags, positional []string
	}{
		{[]string{"A", "B", "--format", "text"}, []string{"--format", "text"}, []string{"A", "B"}},
		{[]string{"-format=json", "A"}, []string{"-format=json"}, []string{"A"}},
		{[]string{"--verbose", "A", "--verbose=false"}, []string{"--verbose", "--verbose=false"}, []string{"A"}},
		{[]string{"A", "--", "--format", "text"}, nil, []string{"A", "--format", "text"}},
		{[]string{"--format", "--", "A"}, []string{"--format", "--"}, []string{"A"}},
		{[]string{"-", "--bogus", "A"}, []string{"--bogus"}, []string{"-", "A"}},
		{[]string{"A", "--format"}, []string{"--format"}, []string{"A"}},
	}
	for _, tt := range tests {
		flags, positional := splitArgs(fs, tt.args)
		if !slices.Equal(flags, tt.flags) {
			t.Errorf("splitArgs(%q) flags = %q, want %q", tt.args, flags, tt.flags)
		}
		if !slices.Equal(positional, tt.positional) {
			t.Errorf("splitArgs(%q) positional = %q, want %q", tt.args, positional, tt.positional)
		}
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := demoArchive(t)
	code, want, stderr := runCLI(t, "diff", "--archive", dir, "--format", "text", "HEAD~1", "HEAD")
	if code != exitOK {
		t.Fatalf("diff with flags first: exit %d: %s", code, stderr)
	}

	for _, args := range [][]string{
		{"diff", "--archive", dir, "HEAD~1", "HEAD", "--format", "text"},
		{"diff", "HEAD~1", "--format=text", "HEAD", "--archive", dir},
	} {
		code, got, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
		if got != want {
			t.Errorf("%q: output differs from the diff with flags first", args)
		}
	}

	code, _, stderr = runCLI(t, "diff", "--archive", dir, "--", "--format")
	if code != exitError || !strings.Contains(stderr, `"--format"`) {
		t.Errorf("argument after --: exit %d, stderr %q; want 1 naming the revision \"--format\"", code, stderr)
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"command flag", []string{"diff", "--help"}, "Usage: collecte diff"},
		{"command short flag", []string{"export", "-h"}, "Usage: collecte export"},
		{"help command", []string{"help"}, "Commands:"},
		{"help of a command", []string{"help", "crawl"}, "Usage: collecte crawl"},
		{"global flag", []string{"--help"}, "Commands:"},
		{"daemon keys", []string{"daemon", "--help"}, "user_agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitOK {
				t.Errorf("exit = %d, want 0", code)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, stdout)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

func TestUsageErrorsGoToStderr(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "missing command"},
		{"unknown flag", []string{"diff", "--bogus"}, "flag provided but not defined: -bogus"},
		{"unknown global flag", []string{"--bogus", "diff"}, "flag provided but not defined: -bogus"},
		{"flag without value", []string{"log", "--archive"}, "flag needs an argument"},
		{"flag without value after an argument", []string{"diff", "HEAD", "--archive"}, "flag needs an argument"},
		{"help of an unknown command", []string{"help", "frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUsageError(t, tt.args, tt.want)
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
		if !strings.HasPrefix(stdout, "collecte "+programVersion()+"\n") {
			t.Errorf("%q: stdout = %q, want the version first", args, stdout)
		}
		if !strings.Contains(stdout, "built with go") {
			t.Errorf("%q: stdout = %q, want the toolchain", args, stdout)
		}
	}
}

func TestCommandUsageListsExitStatus(t *testing.T) {
	code, stdout, _ := runCLI(t, "verify", "--help")
	if code != exitOK || !strings.Contains(stdout, "64  invalid command line") {
		t.Errorf("verify --help: exit %d, stdout lacks the exit status:\n%s", code, stdout)
	}
}

// checkUsageError runs the command line and checks that it exits 64 with
// want on stderr and nothing on stdout.
func checkUsageError(t *testing.T, args []string, want string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
}
