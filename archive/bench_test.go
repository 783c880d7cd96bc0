package archive

import (
	"fmt"
	"testing"
	"time"
)

// largeFiles returns about as many files as one snapshot holds: 2,200 files
// in 200 directories.
func largeFiles() Files {
	files := Files{}
	for d := range 200 {
		for f := range 11 {
			path := fmt.Sprintf("data/q%03d/adresse-%02d.csv", d, f)
			files[path] = fmt.Appendf(nil, "adresse_id,jour\n%d,Lundi\n", d*11+f)
		}
	}

	return files
}

func BenchmarkCommitOneChange(b *testing.B) {
	a := mustOpen(b)
	files := largeFiles()
	mustCommit(b, a, files, "first", t0)

	i := 0
	for b.Loop() {
		i++
		files["data/q100/adresse-05.csv"] = fmt.Appendf(nil, "change %d\n", i)
		mustCommit(b, a, files, "next", t0.Add(time.Duration(i)*time.Minute))
	}
}

func BenchmarkChangedNoChange(b *testing.B) {
	a := mustOpen(b)
	files := largeFiles()
	mustCommit(b, a, files, "first", t0)

	for b.Loop() {
		changed, err := a.Changed(files, []string{"data/"})
		if err != nil || changed {
			b.Fatalf("Changed = %v, %v, want false", changed, err)
		}
	}
}
