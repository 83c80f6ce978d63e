//go:build !unix

package gobuild

// Lock is a no-op where flock is unavailable; installs stay atomic renames,
// so concurrent builders at worst build the same entry twice.
func Lock(string) (unlock func(), err error) { return func() {}, nil }

func lockWaiting(string, func()) (unlock func(), err error) { return func() {}, nil }
