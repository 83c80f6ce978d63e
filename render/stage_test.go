package render

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Staged files land whole, with their modes, and a directory's mode is
// that of its first file in the set: a secret first makes the directory
// private.
func TestStageFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   []File
		dirMode map[string]fs.FileMode
	}{
		{"secret first", []File{
			{Path: "s/key.yaml", Data: []byte("k: v\n"), Secret: true},
			{Path: "s/readme.txt", Data: []byte("hello\n")},
		}, map[string]fs.FileMode{"s": 0o700}},
		{"public first", []File{
			{Path: "p/readme.txt", Data: []byte("hello\n")},
			{Path: "p/key.yaml", Data: []byte("k: v\n"), Secret: true},
		}, map[string]fs.FileMode{"p": 0o755}},
		{"many", manyFiles(300), map[string]fs.FileMode{"nodes": 0o755, "secrets": 0o700}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := stageFiles(root, tc.files); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.files {
				p := filepath.Join(root, f.Path)
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != string(f.Data) {
					t.Errorf("%s = %q, want %q", f.Path, b, f.Data)
				}
				st, _ := os.Stat(p)
				if got := st.Mode().Perm(); got != fileMode(f.Secret) {
					t.Errorf("%s mode %o, want %o", f.Path, got, fileMode(f.Secret))
				}
			}
			for d, want := range tc.dirMode {
				st, err := os.Stat(filepath.Join(root, d))
				if err != nil {
					t.Fatal(err)
				}
				// MkdirAll is subject to the umask: a private directory is
				// 0700 whatever it is, a public one readable by others
				// under the usual 022.
				got := st.Mode().Perm()
				if private := got&0o077 == 0; private != (want == 0o700) {
					t.Errorf("%s mode %o, want %o", d, got, want)
				}
			}
		})
	}
}

// A file that cannot be created (here: listed twice) fails the staging,
// and Write leaves the directory as it was.
func TestStageFilesError(t *testing.T) {
	files := manyFiles(50)
	files = append(files, files[17])
	if err := stageFiles(t.TempDir(), files); err == nil {
		t.Fatal("staging a path twice succeeded")
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, files, Options{}); err == nil {
		t.Fatal("writing a path twice succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the failed write left %s behind (%v)", dir, err)
	}
}

func manyFiles(n int) []File {
	var fs []File
	for i := range n {
		fs = append(fs, File{Path: fmt.Sprintf("nodes/n%04d.yaml", i), Data: []byte(fmt.Sprintf("node: %d\n", i))})
	}
	return append(fs, File{Path: "secrets/auth.yaml", Data: []byte("k: v\n"), Secret: true})
}
