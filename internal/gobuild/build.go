package gobuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"time"

	"github.com/tailos/tailos/internal/flock"
)

// Target is one program to build.
type Target struct {
	// Package is the import path of a main package (or a ./relative path
	// inside a Source directory).
	Package string
	// Name is the installed file's name; empty means the package's last
	// path element.
	Name string
}

func (t Target) name() string {
	if t.Name != "" {
		return t.Name
	}
	return path.Base(t.Package)
}

// Commands returns one Target per package, each named after it.
func Commands(pkgs ...string) []Target {
	ts := make([]Target, len(pkgs))
	for i, p := range pkgs {
		ts[i] = Target{Package: p}
	}
	return ts
}

// Build describes one cache entry: which programs, from which module
// version, for which platform, with which flags.
type Build struct {
	// Dir is the cache entry; it holds the built programs and the stamp and
	// is replaced whole when the stamp no longer matches.
	Dir string
	// Module and Version name what is built. Without Source the programs
	// are built in a throwaway module that requires only Module@Version, so
	// the dependency versions are exactly those the module pins and never
	// meet the caller's go.mod.
	Module, Version string
	// Source, when set, prepares the directory to build in (under
	// t.Work) instead of the throwaway module: for sources that need edits
	// before they build. Key must then cover whatever the edits depend on.
	Source func(ctx context.Context, t Toolchain) (string, error)
	// Targets are the programs; at least one.
	Targets []Target
	// GOOS and GOARCH default to the running program's.
	GOOS, GOARCH string
	// Flags are extra go build flags (-trimpath, -ldflags, -tags).
	Flags []string
	// Env is added to the build environment after the defaults
	// (CGO_ENABLED=0, GOFLAGS=-mod=mod -buildvcs=false, GOWORK=off,
	// GOTOOLCHAIN=local, GOOS, GOARCH).
	Env []string
	// Proxies are local module proxy directories (GOPROXY file layout)
	// consulted before the configured GOPROXY; NoSumDB lists module path
	// prefixes they serve that the checksum database does not know.
	Proxies, NoSumDB []string
	// Key is further cache-key material (a hash of embedded source or of
	// source edits); it is recorded in the stamp.
	Key string
	// Go is the go command; empty means "go" on PATH.
	Go string
	// Check, when set, verifies the built programs in their build
	// directory before they are installed.
	Check func(dir string) error
	// Keep, when set, copies further files from the Source directory into
	// the entry before it is installed.
	Keep func(src, dst string) error
	// Progress, when set, hears when a build starts, every ProgressEvery
	// (default 30s) while it runs, and when it ends. A cache hit is silent.
	Progress func(format string, args ...any)
	// ProgressEvery is the interval of the "still building" lines.
	ProgressEvery time.Duration
}

// Run returns b.Dir after making sure it holds b's programs: when its
// stamp matches, at once; otherwise it builds them, waiting first for any
// other process building the same entry, and installs them with an atomic
// rename, so that a reader sees the old entry or the new one, never a part.
func Run(ctx context.Context, b Build) (string, error) {
	if b.Dir == "" || b.Module == "" || b.Version == "" || len(b.Targets) == 0 {
		return "", errors.New("gobuild: Dir, Module, Version and Targets are required")
	}
	if b.GOOS == "" {
		b.GOOS = runtime.GOOS
	}
	if b.GOARCH == "" {
		b.GOARCH = runtime.GOARCH
	}
	tc, err := newToolchain(ctx, &b)
	if err != nil {
		return "", err
	}
	stamp := newStamp(&b, tc.Version)
	if err := os.MkdirAll(filepath.Dir(b.Dir), 0o755); err != nil {
		return "", fmt.Errorf("creating cache: %w", err)
	}
	what := stamp.String()
	unlock, err := flock.Lock(b.Dir+".lock", func() {
		if b.Progress != nil {
			b.Progress("waiting for another process building %s", what)
		}
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	if stamp.matches(b.Dir) {
		return b.Dir, nil
	}
	// Scratch directories of this entry left by a builder that was killed:
	// holding the lock, no live builder owns one.
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(b.Dir), "."+filepath.Base(b.Dir)+"-build-*")); err == nil {
		for _, d := range stale {
			_ = os.RemoveAll(d)
		}
	}

	stop := startProgress(&b, what)
	err = build(ctx, &b, tc, stamp)
	stop(err)
	if err != nil {
		return "", err
	}
	return b.Dir, nil
}

func build(ctx context.Context, b *Build, tc Toolchain, stamp Stamp) error {
	tmp, err := os.MkdirTemp(filepath.Dir(b.Dir), "."+filepath.Base(b.Dir)+"-build-")
	if err != nil {
		return fmt.Errorf("creating build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	tc.Work = filepath.Join(tmp, "work")
	if err := os.Mkdir(tc.Work, 0o755); err != nil {
		return fmt.Errorf("creating build directory: %w", err)
	}
	src := tc.Work
	if b.Source != nil {
		if src, err = b.Source(ctx, tc); err != nil {
			return fmt.Errorf("preparing %s@%s: %w", b.Module, b.Version, err)
		}
	} else {
		mod := fmt.Sprintf("module tailos.invalid/build\n\ngo 1.26\n\nrequire %s %s\n", b.Module, b.Version)
		if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(mod), 0o644); err != nil {
			return fmt.Errorf("writing build module: %w", err)
		}
	}
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return fmt.Errorf("creating build directory: %w", err)
	}
	if err := goBuild(ctx, b, tc, src, out); err != nil {
		return fmt.Errorf("building %s: %w", stamp, err)
	}
	if b.Check != nil {
		if err := b.Check(out); err != nil {
			return fmt.Errorf("built %s: %w", stamp, err)
		}
	}
	if b.Keep != nil {
		if err := b.Keep(src, out); err != nil {
			return fmt.Errorf("keeping files from %s@%s: %w", b.Module, b.Version, err)
		}
	}
	if err := stamp.write(out); err != nil {
		return err
	}
	// The old entry goes first: rename cannot replace a non-empty directory.
	// A reader between the two steps finds no entry and waits on the lock.
	if err := os.RemoveAll(b.Dir); err != nil {
		return fmt.Errorf("replacing stale cache entry: %w", err)
	}
	if err := os.Rename(out, b.Dir); err != nil {
		return fmt.Errorf("filling cache: %w", err)
	}
	return nil
}

// goBuild builds the targets in one go build when their names are the
// packages' own (the go command then shares the work), else one by one.
func goBuild(ctx context.Context, b *Build, tc Toolchain, src, out string) error {
	same := true
	for _, t := range b.Targets {
		same = same && t.Name == ""
	}
	if same {
		args := append([]string{"build", "-o", out + string(filepath.Separator)}, b.Flags...)
		for _, t := range b.Targets {
			args = append(args, t.Package)
		}
		return tc.Run(ctx, src, args...)
	}
	for _, t := range b.Targets {
		args := append([]string{"build", "-o", filepath.Join(out, t.name())}, b.Flags...)
		if err := tc.Run(ctx, src, append(args, t.Package)...); err != nil {
			return err
		}
	}
	return nil
}

// startProgress reports the start of a build and then, until the returned
// function is called, how long it has been running.
func startProgress(b *Build, what string) (stop func(error)) {
	if b.Progress == nil {
		return func(error) {}
	}
	every := b.ProgressEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	start := time.Now()
	b.Progress("building %s (first time only)", what)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				b.Progress("still building %s (%s)", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func(err error) {
		close(done)
		<-finished
		if err == nil {
			b.Progress("built %s in %s", what, time.Since(start).Round(time.Second))
		}
	}
}
