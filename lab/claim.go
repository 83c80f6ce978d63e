//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tailos/tailos/internal/flock"
)

// ErrDirBusy is returned when another process is starting or running a lab
// in the same directory.
var ErrDirBusy = errors.New("lab directory busy")

// ClaimDir takes a lab directory for one starter: it creates the directory
// if needed and holds an exclusive lock (name) in it until release. A
// second claimer fails at once with ErrDirBusy and has touched nothing but
// the lock file, so a losing `lab up` never overwrites the winner's files.
func ClaimDir(dir, name string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	unlock, err := flock.TryLock(filepath.Join(dir, name))
	if errors.Is(err, flock.ErrBusy) {
		return nil, fmt.Errorf("%s: %w: another `tailos lab up` holds it", dir, ErrDirBusy)
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return unlock, nil
}
