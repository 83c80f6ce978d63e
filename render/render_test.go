package render

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteModesAndConflicts(t *testing.T) {
	dir := t.TempDir()
	files := []File{
		{Path: "nodes/a.yaml", Data: []byte("a: 1\n")},
		{Path: "secrets/auth.yaml", Data: []byte("k: v\n"), Secret: true},
	}
	res, err := Write(dir, files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 2 {
		t.Fatalf("written %v", res.Written)
	}
	st, _ := os.Stat(filepath.Join(dir, "secrets/auth.yaml"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret mode %v, want 0600", st.Mode().Perm())
	}
	st, _ = os.Stat(filepath.Join(dir, "secrets"))
	if st.Mode().Perm() != 0o700 {
		t.Errorf("secret dir mode %v, want 0700", st.Mode().Perm())
	}

	// Same content again: nothing rewritten.
	res, err = Write(dir, files, Options{})
	if err != nil || len(res.Unchanged) != 2 || len(res.Written) != 0 {
		t.Fatalf("rerun: %+v %v", res, err)
	}

	// New content over tailos's own file is fine.
	files[0].Data = []byte("a: 2\n")
	if _, err := Write(dir, files, Options{}); err != nil {
		t.Fatal(err)
	}

	// A user edit is protected, and nothing else is written in that run.
	if err := os.WriteFile(filepath.Join(dir, "nodes/a.yaml"), []byte("a: edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files[0].Data = []byte("a: 3\n")
	files[1].Data = []byte("k: new\n")
	_, err = Write(dir, files, Options{})
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Paths) != 1 {
		t.Fatalf("want a conflict on nodes/a.yaml, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "secrets/auth.yaml")); string(b) != "k: v\n" {
		t.Fatalf("a conflicting run wrote another file: %q", b)
	}
	if _, err := Write(dir, files, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "nodes/a.yaml")); string(b) != "a: 3\n" {
		t.Fatalf("--force did not overwrite: %q", b)
	}

	// A file tailos never wrote is not tailos's to replace.
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, []File{{Path: "README.txt", Data: []byte("x")}}, Options{}); !errors.As(err, &ce) {
		t.Fatalf("overwrote a foreign file: %v", err)
	}
}

func TestWriteRejectsEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x", "/etc/passwd", ""} {
		if _, err := Write(t.TempDir(), []File{{Path: p, Data: nil}}, Options{}); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}
