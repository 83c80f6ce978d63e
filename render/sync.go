package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// writeStaged writes one file of a set into the stage. The stage is a new
// directory nothing reads and a run killed before the commit discards, so
// the file needs neither a temporary name nor a sync of its own: syncSet
// makes the whole stage durable with one sync before the journal commits it.
func writeStaged(path string, data []byte, secret bool) error {
	if err := os.MkdirAll(filepath.Dir(path), dirMode(secret)); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	return createStaged(path, data, secret)
}

// stageFiles writes files into the stage directory root. The directories
// are made first, in the set's order, so the first file of a directory
// decides its mode as when writing one by one; then the files are created
// by one worker per core, since creating a file is mostly the
// filesystem's inode allocation, which runs in parallel.
func stageFiles(root string, files []File) error {
	made := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(filepath.Join(root, f.Path))
		if made[dir] {
			continue
		}
		if err := os.MkdirAll(dir, dirMode(f.Secret)); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		made[dir] = true
	}
	workers := min(runtime.GOMAXPROCS(0), len(files))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Worker w takes every workers-th file; it stops at its first
			// error, and the others finish theirs before the stage is
			// discarded.
			for i := w; i < len(files); i += workers {
				f := files[i]
				if err := createStaged(filepath.Join(root, f.Path), f.Data, f.Secret); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// createStaged creates one staged file in an existing directory.
func createStaged(path string, data []byte, secret bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Chmod, as WriteFileAtomic does, so the umask does not decide.
	if err := f.Chmod(fileMode(secret)); err != nil {
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

func dirMode(secret bool) fs.FileMode {
	if secret {
		return 0o700
	}
	return 0o755
}

func fileMode(secret bool) fs.FileMode {
	if secret {
		return 0o600
	}
	return 0o644
}
