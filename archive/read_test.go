package archive

import (
	"errors"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	a := mustOpen(t)
	files := baseFiles()
	c, _ := mustCommit(t, a, files, "first", t0)

	tests := []struct {
		prefix string
		want   []string
	}{
		{"", keys(files)},
		{"data/", []string{"data/collectes.csv", "data/communes/fdf.csv", "data/communes/lamentin", "data/communes/zz/deep/x"}},
		{"data/communes/", []string{"data/communes/fdf.csv", "data/communes/lamentin", "data/communes/zz/deep/x"}},
		{"data/communes/zz/deep/", []string{"data/communes/zz/deep/x"}},
		{"data/co", []string{"data/collectes.csv", "data/communes/fdf.csv", "data/communes/lamentin", "data/communes/zz/deep/x"}},
		{"data/communes/f", []string{"data/communes/fdf.csv"}},
		{"d", []string{"datapackage.json", "data/collectes.csv", "data/communes/fdf.csv", "data/communes/lamentin", "data/communes/zz/deep/x"}},
		{"raw/2026/page-1.json", []string{"raw/2026/page-1.json"}},
		{"absent/", nil},
		{"data/absent/", nil},
		{"datapackage.json/", nil},
	}

	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, err := a.Read(c.Hash, tt.prefix)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}

			want := Files{}
			for _, p := range tt.want {
				want[p] = files[p]
			}
			assertFiles(t, got, want)
		})
	}
}

func TestReadOldCommit(t *testing.T) {
	a := mustOpen(t)
	first, _ := mustCommit(t, a, baseFiles(), "first", t0)
	mustCommit(t, a, Files{"other": []byte("x")}, "second", t0)

	got, err := a.Read(first.Hash, "")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	assertFiles(t, got, baseFiles())
}

func TestReadFile(t *testing.T) {
	a := mustOpen(t)
	files := baseFiles()
	c, _ := mustCommit(t, a, files, "first", t0)

	for _, path := range []string{"datapackage.json", "data/communes/zz/deep/x"} {
		got, err := a.ReadFile(c.Hash, path)
		if err != nil {
			t.Fatalf("ReadFile %s: %v", path, err)
		}
		if string(got) != string(files[path]) {
			t.Errorf("ReadFile %s = %q, want %q", path, got, files[path])
		}
	}
}

func TestReadFileErrors(t *testing.T) {
	a := mustOpen(t)
	c, _ := mustCommit(t, a, baseFiles(), "first", t0)

	tests := []struct {
		name    string
		hash    string
		path    string
		wantErr error
		want    string
	}{
		{"missing file", c.Hash, "data/absent.csv", ErrNotFound, "data/absent.csv"},
		{"missing directory", c.Hash, "absent/x", ErrNotFound, "absent/x"},
		{"directory", c.Hash, "data/communes", ErrNotFound, "data/communes"},
		{"unknown commit", strings.Repeat("0", 40), "datapackage.json", ErrNotFound, strings.Repeat("0", 40)},
		{"abbreviated hash", c.Hash[:8], "datapackage.json", nil, "40 hexadecimal digits"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.ReadFile(tt.hash, tt.path)
			if err == nil {
				t.Fatalf("ReadFile returned no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestReadBlobCommitHash(t *testing.T) {
	a := mustOpen(t)
	mustCommit(t, a, baseFiles(), "first", t0)

	// The hash of a blob, not of a commit.
	tree, err := buildTree(baseFiles())
	if err != nil {
		t.Fatal(err)
	}
	blob := tree.root.blobs["datapackage.json"].String()

	if _, err := a.Read(blob, ""); err == nil {
		t.Errorf("Read of a blob hash returned no error")
	}
}

func keys(files Files) []string {
	out := make([]string, 0, len(files))
	for p := range files {
		out = append(out, p)
	}

	return out
}
