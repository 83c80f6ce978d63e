package render

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeStaged writes one file of a set into the stage. The stage is a new
// directory nothing reads and a run killed before the commit discards, so
// the file needs neither a temporary name nor a sync of its own: syncSet
// makes the whole stage durable with one sync before the journal commits it.
func writeStaged(path string, data []byte, secret bool) error {
	dirMode, fileMode := fs.FileMode(0o755), fs.FileMode(0o644)
	if secret {
		dirMode, fileMode = 0o700, 0o600
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Chmod, as WriteFileAtomic does, so the umask does not decide.
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
