//go:build linux

// Package netns enters Linux network namespaces from Go: the one place the
// lab and the namespace tests switch a thread, so the rules that make it
// safe (lock the thread; a thread that cannot switch back is never reused)
// live once.
package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Dir is where `ip netns` keeps named namespaces.
const Dir = "/run/netns"

// Path is the bind-mounted handle of the named network namespace.
func Path(name string) string { return filepath.Join(Dir, name) }

// Enter locks the calling goroutine to its OS thread and switches that
// thread into the network namespace at path (a handle such as Path(name) or
// /proc/PID/ns/net). leave switches it back and unlocks it; if it cannot,
// the thread stays locked, so the runtime ends it with the goroutine
// instead of running other goroutines in the wrong namespace. Sockets
// opened in between stay in the namespace.
func Enter(path string) (leave func() error, err error) {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("opening current netns: %w", err)
	}
	target, err := os.Open(path)
	if err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("opening netns %s: %w", path, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering netns %s: %w", path, err)
	}
	return func() error {
		defer orig.Close()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("leaving netns %s: %w", path, err)
		}
		runtime.UnlockOSThread()
		return nil
	}, nil
}

// Do runs fn on a fresh OS thread inside the network namespace at path and
// returns fn's error (or the error entering it). fn must not call
// t.Fatal: it runs on a goroutine of its own; use Enter for that.
func Do(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		leave, err := Enter(path)
		if err != nil {
			errc <- err
			return
		}
		ferr := fn()
		// A failed leave leaves the thread locked; it dies with this goroutine.
		_ = leave()
		errc <- ferr
	}()
	return <-errc
}
