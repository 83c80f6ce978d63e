// Package render writes generated files safely: the whole set or nothing
// (staged, then swapped in through a journal a later run completes or
// discards), secrets with mode 0600, and never over a file the user edited
// since tailos wrote it unless forced. A manifest of content hashes in the
// output directory tells tailos's files from edited ones; files of an
// earlier run that the new set no longer has are removed when unedited.
package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ManifestName is the file in the output directory recording what tailos wrote.
const ManifestName = ".tailos-manifest.json"

// File is one file to write, relative to the output directory.
type File struct {
	Path   string
	Data   []byte
	Secret bool // mode 0600 in a 0700 directory
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, so readers see the old file or the new one, never a part.
func WriteFileAtomic(path string, data []byte, secret bool) error {
	dirMode, fileMode := fs.FileMode(0o755), fs.FileMode(0o644)
	if secret {
		dirMode, fileMode = 0o700, 0o600
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func checkPath(p string) error {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
		return fmt.Errorf("invalid output path %q", p)
	}
	return nil
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readManifest(dir string) (*manifest, error) {
	m := &manifest{Files: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ManifestName, err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Files == nil {
		m.Files = map[string]string{}
	}
	return m, nil
}

func marshalManifest(m *manifest) ([]byte, error) {
	// encoding/json sorts map keys: the manifest is stable.
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

type manifest struct {
	Files map[string]string `json:"files"` // path → sha256 hex of what tailos wrote
}
