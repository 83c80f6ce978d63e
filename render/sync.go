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
	if err := os.MkdirAll(filepath.Dir(path), dirMode(secret)); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	return createStaged(path, data, secret)
}

// stageFiles writes files into the stage directory root, each directory
// made once, when its first file in the set's order comes (which decides
// its mode). The files are created one after another: creating a file is
// mostly the filesystem's inode allocation, and measured on ext4 two
// workers creating into one directory spent several times the CPU of one
// (contending in the allocator) and took longer.
func stageFiles(root string, files []File) error {
	made := map[string]bool{}
	for _, f := range files {
		path := filepath.Join(root, f.Path)
		if dir := filepath.Dir(path); !made[dir] {
			if err := os.MkdirAll(dir, dirMode(f.Secret)); err != nil {
				return fmt.Errorf("creating %s: %w", dir, err)
			}
			made[dir] = true
		}
		if err := createStaged(path, f.Data, f.Secret); err != nil {
			return err
		}
	}
	return nil
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
