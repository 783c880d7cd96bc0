package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/collecte-cacem/collecte/replay"
)

func runReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "replay", "--listen ADDR (--capture PATH | --archive DIR --rev REV)",
		"Serve recorded data as the site's API, on a loopback address only.\n"+
			"--capture takes a flattened generation-1 CSV (like the 2021 capture), a\n"+
			"generation-2 JSON page (like the 2024 capture), or a directory holding one.\n"+
			"--archive with --rev serves the raw captures of an archived snapshot.")
	listen := fs.String("listen", "127.0.0.1:8081", "loopback host:port to listen on")
	capture := fs.String("capture", "", "capture file or directory")
	dir := fs.String("archive", "", "archive directory, with --rev")
	rev := fs.String("rev", "", "revision of the archived snapshot to serve, with --archive")
	maxLimit := fs.Int("max-limit", 0, "generation 2: cap on $limit granted by the server; 0 selects 1000")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *maxLimit < 0 {
		return &usageError{fmt.Sprintf("invalid --max-limit %d: want 0 or more records per page", *maxLimit)}
	}

	h, err := replayHandler(*capture, *dir, *rev, *maxLimit)
	if err != nil {
		return err
	}
	return replay.Serve(ctx, *listen, h, e.log.With("component", "replay"))
}

func replayHandler(capture, dir, rev string, maxLimit int) (http.Handler, error) {
	switch {
	case capture != "" && dir != "":
		return nil, &usageError{"replay: give --capture or --archive, not both"}
	case capture != "":
		return captureHandler(capture, maxLimit)
	case dir != "" && rev != "":
		return archiveHandler(dir, rev)
	case dir != "":
		return nil, &usageError{"replay: --archive needs --rev, such as --rev HEAD"}
	}
	return nil, &usageError{"replay: give --capture PATH or --archive DIR --rev REV"}
}

// captureHandler serves a capture file, or the single capture file of a
// directory.
func captureHandler(path string, maxLimit int) (http.Handler, error) {
	path, err := captureFile(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	return handlerFor(path, data, maxLimit)
}

func handlerFor(name string, data []byte, maxLimit int) (http.Handler, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		l, err := replay.LegacyFromCSV(strings.NewReader(string(data)))
		if err != nil {
			return nil, fmt.Errorf("read generation-1 capture %s: %w", name, err)
		}
		return l.Handler(), nil
	case ".json":
		v, err := replay.V1FromJSON(data)
		if err != nil {
			return nil, fmt.Errorf("read generation-2 capture %s: %w", name, err)
		}
		v.MaxLimit = maxLimit
		return v.Handler(), nil
	}
	return nil, fmt.Errorf("capture %s: want a .csv (generation 1) or .json (generation 2) file", name)
}

func captureFile(path string) (string, error) {
	if !isDir(path) {
		return path, nil
	}
	var found []string
	for _, pattern := range []string{"*.csv", "*.json"} {
		matches, err := filepath.Glob(filepath.Join(path, pattern))
		if err != nil {
			return "", err
		}
		found = append(found, matches...)
	}
	if len(found) != 1 {
		return "", fmt.Errorf("capture directory %s holds %d .csv or .json files, want one: pass the file itself",
			path, len(found))
	}
	return found[0], nil
}

func archiveHandler(dir, rev string) (http.Handler, error) {
	a, err := openExisting(dir)
	if err != nil {
		return nil, err
	}
	hash, err := resolve(a, rev)
	if err != nil {
		return nil, err
	}
	raw, err := a.Read(hash, "raw/")
	if err != nil {
		return nil, err
	}
	return replay.FromRaw(raw)
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
