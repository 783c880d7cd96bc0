package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpFlag matches a flag in the output of flag.PrintDefaults.
var helpFlag = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)

// readmeFlag matches a flag in the README.
var readmeFlag = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

// helpFlags returns the flags that "collecte ARGS --help" lists.
func helpFlags(t *testing.T, args ...string) []string {
	t.Helper()
	code, stdout, stderr := runCLI(t, append(args, "--help")...)
	if code != exitOK {
		t.Fatalf("%q --help: exit %d: %s", args, code, stderr)
	}
	var flags []string
	for _, m := range helpFlag.FindAllStringSubmatch(stdout, -1) {
		flags = append(flags, m[1])
	}
	return flags
}

// readmeRows returns the flags of the rows of the README's command table
// that start with "collecte NAME", and the number of such rows.
func readmeRows(readme, name string) ([]string, int) {
	var flags []string
	rows := 0
	for _, line := range strings.Split(readme, "\n") {
		prefix := "| `collecte " + name
		if !strings.HasPrefix(line, prefix+" ") && !strings.HasPrefix(line, prefix+"`") {
			continue
		}
		rows++
		synopsis := strings.SplitN(line, "` |", 2)[0]
		for _, m := range readmeFlag.FindAllStringSubmatch(synopsis, -1) {
			if !slices.Contains(flags, m[1]) {
				flags = append(flags, m[1])
			}
		}
	}
	return flags, rows
}

func TestREADMECommandTablesMatchHelp(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)

	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			help := helpFlags(t, c.name)
			documented, rows := readmeRows(readme, c.name)
			if rows == 0 {
				t.Fatalf("the README's command table has no row for collecte %s", c.name)
			}

			for _, flag := range help {
				if c.name == "daemon" || c.name == "config" {
					// Their flags are the configuration table's, besides --config.
					if !strings.Contains(readme, "`--"+flag+"`") && !slices.Contains(documented, flag) {
						t.Errorf("README does not document --%s of %s", flag, c.name)
					}
					continue
				}
				if !slices.Contains(documented, flag) {
					t.Errorf("README table lacks --%s, which %s --help lists", flag, c.name)
				}
			}
			for _, flag := range documented {
				if !slices.Contains(help, flag) {
					t.Errorf("README table gives --%s, which %s --help does not list", flag, c.name)
				}
			}
		})
	}

	for _, flag := range []string{"log-level", "log-format", "version"} {
		if !strings.Contains(readme, "`--"+flag) {
			t.Errorf("README does not document the global flag --%s", flag)
		}
	}
}
