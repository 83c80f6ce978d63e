package render

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncSet makes every file and directory entry written under dir durable
// with one syncfs(2) of its filesystem, instead of an fsync per file: a
// thousand-node set is a thousand files.
func syncSet(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
