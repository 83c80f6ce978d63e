//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
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
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w: another `tailos lab up` holds it", dir, ErrDirBusy)
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
