package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/collecte-cacem/collecte/crawler"
)

// programVersion returns the version of this build: crawler.Version when
// the build set it with -ldflags, else the module version that "go install
// MODULE@VERSION" records in the build info, else crawler.Version ("dev").
func programVersion() string {
	if crawler.Version != "dev" {
		return crawler.Version
	}
	info, ok := debug.ReadBuildInfo()
	if ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return crawler.Version
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "",
		"Print the version of collecte, the commit it was built from when the build\n"+
			"recorded it, and the Go toolchain. The same version is in the User-Agent\n"+
			"of every crawl and in crawl.json.")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	writeVersion(e.stdout)
	return nil
}

// writeVersion prints the version, the commit from the build info's VCS
// settings, and the toolchain.
func writeVersion(w io.Writer) {
	fmt.Fprintf(w, "collecte %s\n", programVersion())

	settings := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	if rev := settings["vcs.revision"]; rev != "" {
		modified := ""
		if settings["vcs.modified"] == "true" {
			modified = ", with uncommitted changes"
		}
		fmt.Fprintf(w, "commit %s (%s%s)\n", rev, settings["vcs.time"], modified)
	}
	fmt.Fprintf(w, "built with %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
