//go:build !unix

package flock

// Lock is a no-op where flock is unavailable: what tailos locks stays
// safe through atomic renames, at worst done twice.
func Lock(string, func()) (unlock func(), err error) { return func() {}, nil }

// TryLock is a no-op where flock is unavailable.
func TryLock(string) (unlock func(), err error) { return func() {}, nil }
