package render

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func nodeSet(nodes ...string) []File {
	fs := []File{{Path: "schematic.yaml", Data: []byte("customization: {}\n")}}
	for _, n := range nodes {
		fs = append(fs, File{Path: "nodes/" + n + ".yaml", Data: []byte("node: " + n + "\n")})
	}
	return append(fs, File{Path: "secrets/auth.yaml", Data: []byte("k: v\n"), Secret: true})
}

// listDir returns every file under dir, relative, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// manifestPaths returns the paths the manifest lists.
func manifestPaths(t *testing.T, dir string) []string {
	t.Helper()
	m, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range m.Files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// The output directory holds exactly the current set: a node dropped from
// the spec loses its file (when unedited), and the manifest matches.
func TestWriteRemovesStaleFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, nodeSet("a", "b"), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Write(dir, nodeSet("a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Removed, []string{"nodes/b.yaml"}) {
		t.Errorf("removed %v, want nodes/b.yaml", res.Removed)
	}
	want := []string{ManifestName, "nodes/a.yaml", "notes.txt", "schematic.yaml", "secrets/auth.yaml"}
	if got := listDir(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v", got, want)
	}
	if got := manifestPaths(t, dir); !slices.Equal(got, []string{"nodes/a.yaml", "schematic.yaml", "secrets/auth.yaml"}) {
		t.Errorf("manifest lists %v", got)
	}

	// An edited file of a dropped node is not removed: the run refuses,
	// names it, and changes nothing.
	if _, err := Write(dir, nodeSet("a", "c"), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nodes/c.yaml"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, dir)
	_, err = Write(dir, nodeSet("a"), Options{})
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Stale) != 1 || !strings.HasSuffix(ce.Stale[0], "nodes/c.yaml") {
		t.Fatalf("want a refusal naming nodes/c.yaml, got %v", err)
	}
	if got := listDir(t, dir); !slices.Equal(got, before) {
		t.Errorf("a refused run changed the directory: %v → %v", before, got)
	}
	if _, err := Write(dir, nodeSet("a"), Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nodes/c.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--force kept the edited stale file: %v", err)
	}
}

// A run killed after staging but before the journal leaves the old set,
// and the next run discards the stage; killed after the journal, the next
// run completes the set before doing its own work. Temporary files of
// interrupted atomic writes are removed.
func TestRecoverStage(t *testing.T) {
	for _, journal := range []bool{false, true} {
		dir := t.TempDir()
		if _, err := Write(dir, nodeSet("a", "b"), Options{}); err != nil {
			t.Fatal(err)
		}
		next := nodeSet("a")
		next[1].Data = []byte("node: a2\n")
		if _, err := write(dir, next, Options{}, false); err != nil {
			t.Fatal(err)
		}
		if !journal {
			os.Remove(filepath.Join(dir, StageName, journalName))
		}
		if err := os.WriteFile(filepath.Join(dir, "nodes", ".a.yaml.tmp-123"), []byte("part"), 0o644); err != nil {
			t.Fatal(err)
		}
		msg, err := recoverStage(dir)
		if err != nil || msg == "" {
			t.Fatalf("journal=%v: recover = %q, %v", journal, msg, err)
		}
		got := listDir(t, dir)
		wantFiles := []string{ManifestName, "nodes/a.yaml", "nodes/b.yaml", "schematic.yaml", "secrets/auth.yaml"}
		wantA := "node: a\n"
		if journal {
			wantFiles = slices.DeleteFunc(wantFiles, func(s string) bool { return s == "nodes/b.yaml" })
			wantA = "node: a2\n"
		}
		if !slices.Equal(got, wantFiles) {
			t.Errorf("journal=%v: directory %v, want %v (no stage, no temporary files)", journal, got, wantFiles)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "nodes/a.yaml")); string(b) != wantA {
			t.Errorf("journal=%v: nodes/a.yaml = %q, want %q", journal, b, wantA)
		}
		// Old set or new set, never a mix: the manifest matches the files.
		want := slices.DeleteFunc(slices.Clone(wantFiles), func(s string) bool { return s == ManifestName })
		if mp := manifestPaths(t, dir); !slices.Equal(mp, want) {
			t.Errorf("journal=%v: manifest %v, want %v", journal, mp, want)
		}
		// And the next run writes without --force: nothing looks edited.
		if _, err := Write(dir, nodeSet("a"), Options{}); err != nil {
			t.Errorf("journal=%v: the run after recovery: %v", journal, err)
		}
	}
}

// A write that fails half-way through the swap is rolled back: the
// directory holds the old set, nothing of the new one.
func TestWriteRollsBackOnError(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, nodeSet("a", "b"), Options{}); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, dir)
	next := nodeSet("a", "b", "z")
	for i := range next {
		next[i].Data = append([]byte("# new\n"), next[i].Data...)
	}
	// Staged and committed, but the swap meets a directory where
	// nodes/z.yaml must go (created after the checks, as a concurrent
	// change would): the kernel refuses the rename.
	if _, err := write(dir, next, Options{}, false); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "nodes/z.yaml/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, StageName, journalName))
	if err != nil {
		t.Fatal(err)
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if err := apply(dir, j); err == nil {
		t.Fatal("apply over a directory succeeded")
	}
	if err := rollback(dir, j); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "nodes/z.yaml"))
	if got := listDir(t, dir); !slices.Equal(got, before) {
		t.Errorf("after rollback: %v, want %v", got, before)
	}
	for _, f := range nodeSet("a", "b") {
		if b, _ := os.ReadFile(filepath.Join(dir, f.Path)); string(b) != string(f.Data) {
			t.Errorf("%s = %q after rollback, want the old %q", f.Path, b, f.Data)
		}
	}
}

// A directory another run is writing into is refused, not interleaved.
func TestWriteLocksDirectory(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Write(dir, nodeSet("a"), Options{}); err == nil || !strings.Contains(err.Error(), "another tailos run") {
		t.Fatalf("Write into a locked directory: %v", err)
	}
}
