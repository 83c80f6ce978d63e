// Package flock holds the advisory file locks tailos takes: on a cache
// entry while it is built, on a lab directory while a lab owns it, on an
// output directory while a set is written into it. Closing the process
// releases them, so a crashed holder never leaves one behind.
package flock

import "errors"

// ErrBusy is TryLock's error when another holder has the lock.
var ErrBusy = errors.New("locked by another process")
