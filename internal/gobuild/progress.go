package gobuild

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// TerminalProgress returns a Progress function that writes one line per call
// to the controlling terminal when the process has one, else to stderr, and
// a function that releases the terminal.
//
// It exists for TestMains that build for minutes: `go test` keeps a test
// binary's output until the package ends, and drops it entirely for a
// package that passes without -v, so stderr alone shows nothing while a
// cold build runs. The terminal is not captured.
func TerminalProgress(prefix string) (progress func(format string, args ...any), release func()) {
	var w io.Writer = os.Stderr
	release = func() {}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		w, release = tty, func() { tty.Close() }
	}
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, prefix+format+"\n", args...)
	}, release
}
