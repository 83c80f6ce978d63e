//go:build !linux

package render

import (
	"io/fs"
	"os"
	"path/filepath"
)

// syncSet makes every file and directory under dir durable. Without
// syncfs(2) that is an fsync of each.
func syncSet(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}
