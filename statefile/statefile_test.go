package statefile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteJSONReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, n := range []int{1, 2} {
		if err := WriteJSON(path, map[string]int{"n": n}); err != nil {
			t.Fatal(err)
		}
		var got map[string]int
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &got); err != nil || got["n"] != n {
			t.Errorf("after write %d: %s, %v", n, data, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only state.json (no temporary file left)", len(entries))
	}
}

func TestWriteMissingDirectory(t *testing.T) {
	err := Write(filepath.Join(t.TempDir(), "missing", "state.json"), []byte("{}"))
	if err == nil {
		t.Error("Write into a missing directory succeeded")
	}
}
