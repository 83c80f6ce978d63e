package lab

import (
	"fmt"
	"os"
)

// privateDir creates dir, or tightens an existing one, to 0700. Headscale
// keeps its keys in sqlite files it creates 0644 (db.sqlite, -wal, -shm),
// and the lab's CA key sits beside them: the directory is what keeps them
// from other users, whoever created it first.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("making %s private: %w", dir, err)
	}
	return nil
}
