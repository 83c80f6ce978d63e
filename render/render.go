// Package render writes generated files safely: every file atomically (a
// temporary file renamed into place), secrets with mode 0600, and never over
// a file the user edited since tailos wrote it unless forced. A manifest of
// content hashes in the output directory tells tailos's files from edited ones.
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

// Options control overwriting.
type Options struct {
	// Force overwrites files the user edited or tailos did not write.
	Force bool
}

// Result lists what happened to each file (paths relative to the directory).
type Result struct {
	Written   []string
	Unchanged []string
}

// ConflictError lists files that would overwrite a user's edits.
type ConflictError struct {
	Dir   string
	Paths []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("refusing to overwrite %d file(s) changed since tailos wrote them (use --force): %s",
		len(e.Paths), strings.Join(e.Paths, ", "))
}

type manifest struct {
	Files map[string]string `json:"files"` // path → sha256 hex of what tailos wrote
}

// Write writes files into dir. It checks every file before touching any, so
// a conflict leaves the directory as it was.
func Write(dir string, files []File, opts Options) (Result, error) {
	var res Result
	m, err := readManifest(dir)
	if err != nil {
		return res, err
	}
	type todo struct {
		f    File
		hash string
	}
	var plan []todo
	var conflicts []string
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return res, err
		}
		h := hash(f.Data)
		cur, err := os.ReadFile(filepath.Join(dir, f.Path))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return res, fmt.Errorf("reading %s: %w", filepath.Join(dir, f.Path), err)
		case hash(cur) == h:
			res.Unchanged = append(res.Unchanged, f.Path)
			m.Files[f.Path] = h
			continue
		case m.Files[f.Path] != hash(cur) && !opts.Force:
			conflicts = append(conflicts, filepath.Join(dir, f.Path))
			continue
		}
		plan = append(plan, todo{f, h})
	}
	if len(conflicts) > 0 {
		return Result{}, &ConflictError{Dir: dir, Paths: conflicts}
	}
	for _, t := range plan {
		if err := WriteFileAtomic(filepath.Join(dir, t.f.Path), t.f.Data, t.f.Secret); err != nil {
			return res, err
		}
		m.Files[t.f.Path] = t.hash
		res.Written = append(res.Written, t.f.Path)
	}
	return res, writeManifest(dir, m)
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

func writeManifest(dir string, m *manifest) error {
	// encoding/json sorts map keys: the manifest is stable.
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, ManifestName), append(b, '\n'), false)
}
