// Package userfile reads files the user names (specs, configs, patches,
// secrets, env files) with one set of rules: a documented size limit, and
// regular files only, so a FIFO, a device (/dev/zero, /dev/urandom) or a
// directory is refused at once instead of blocking or exhausting memory.
package userfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size limits, by what the file holds. They are far above anything real
// (a Talos machine config is tens of KiB) and far below what hurts.
const (
	// SpecLimit bounds a tailos.yaml spec.
	SpecLimit = 1 << 20
	// ConfigLimit bounds a machine config, patch, talconfig, env or
	// schematic file.
	ConfigLimit = 4 << 20
	// SecretLimit bounds a file holding one credential (file:PATH).
	SecretLimit = 64 << 10
)

// TooLargeError is returned for a file over its limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: larger than the %s limit", e.Path, human(e.Limit))
}

// ErrNotRegular marks a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Read returns the contents of the regular file at path, or an error if it
// is not a regular file or is larger than limit bytes. It never blocks on a
// FIFO: the file is opened non-blocking and checked before any read.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(st.Mode()))}
	}
	if st.Size() > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	// Sized from the stat, the read takes one allocation and two calls
	// (the data, then EOF) where io.ReadAll's growing buffer takes many.
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return buf.Bytes(), nil
}

// ReadStream reads all of r (stdin) up to limit bytes. It returns when ctx
// is cancelled even if r blocks (a terminal or a pipe nobody writes to).
func ReadStream(ctx context.Context, r io.Reader, name string, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := readLimited(r, name, limit)
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading %s: %w", name, context.Cause(ctx))
	}
}

// readLimited reads at most limit bytes and fails if there are more (the
// file may have grown since it was checked).
func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: name, Limit: limit}
	}
	return b, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

func human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Cause is err without the path, for callers that name the file themselves.
func Cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var tl *TooLargeError
	if errors.As(err, &tl) {
		return fmt.Errorf("larger than the %s limit", human(tl.Limit))
	}
	return err
}
