package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/collecte-cacem/collecte/history"
	"github.com/collecte-cacem/collecte/verify"
)

// errVerifyFailed reports that verify found problems, which it printed.
var errVerifyFailed = errors.New("verification failed")

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "--archive DIR",
		"Check the whole archive: every object reachable from its branches exists and\n"+
			"matches its hash, every snapshot in history decodes and re-encodes to the\n"+
			"same bytes, and each commit's reports are the diff recomputed from its\n"+
			"parent. Exits 0 only when all of it holds, 1 otherwise, listing the problems.\n"+
			"It then replaces the history index ("+history.FileName+") with one built from\n"+
			"the reports it read.")
	dir := fs.String("archive", "", "archive directory (required)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	a, err := openExisting(*dir)
	if err != nil {
		return err
	}

	res, err := verify.Archive(a)
	if err != nil {
		return err
	}
	for _, p := range res.Problems {
		fmt.Fprintln(e.stdout, "problem:", p)
	}
	if res.IndexErr != nil {
		e.log.Warn("the old history index stays; queries update it or read every report",
			"archive", *dir, "error", res.IndexErr)
	} else {
		fmt.Fprintf(e.stdout, "history index rebuilt: %d commits in %s\n", res.Indexed, history.New(a, nil).Path())
	}
	if !res.OK() {
		return fmt.Errorf("%w: %s in %s of %s", errVerifyFailed,
			plural(len(res.Problems), "problem"), plural(res.Commits, "commit"), *dir)
	}
	fmt.Fprintf(e.stdout, "ok: %s verified\n", plural(res.Commits, "commit"))
	return nil
}

// plural writes n and the English noun, with an "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
