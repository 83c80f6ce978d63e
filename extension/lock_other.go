//go:build !unix

package extension

// lockFile is a no-op where flock is unavailable; the cache rename stays atomic.
func lockFile(string) (func(), error) { return func() {}, nil }
