package gobuild

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailos/tailos/internal/flock"
)

// writeProxy writes a module proxy directory (GOPROXY file layout) serving
// example.invalid/hello@version, whose cmd/hello prints its greeting.
func writeProxy(t *testing.T, version, greeting string) string {
	t.Helper()
	dir := t.TempDir()
	v := filepath.Join(dir, "example.invalid", "hello", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	mod := "module example.invalid/hello\n\ngo 1.22\n"
	files := map[string]string{
		"go.mod":         mod,
		"cmd/hello/m.go": fmt.Sprintf("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(%q) }\n", greeting),
	}
	f, err := os.Create(filepath.Join(v, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create("example.invalid/hello@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for name, body := range map[string]string{
		version + ".mod":  mod,
		version + ".info": fmt.Sprintf(`{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version),
		"list":            version + "\n",
	} {
		if err := os.WriteFile(filepath.Join(v, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// isolated keeps the test's module out of the shared module cache.
func isolated(t *testing.T) []string {
	return []string{"GOMODCACHE=" + t.TempDir(), "GOFLAGS=-mod=mod -buildvcs=false -modcacherw"}
}

type progressLog struct {
	mu    sync.Mutex
	lines []string
}

func (p *progressLog) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, fmt.Sprintf(format, args...))
}

func (p *progressLog) count(prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestRunModuleVersion builds a program from a module version served by a
// local proxy, then checks the stamp, the cache hit and what invalidates it.
func TestRunModuleVersion(t *testing.T) {
	proxy := writeProxy(t, "v1.0.0", "hello v1")
	var log progressLog
	b := Build{
		Dir:      filepath.Join(t.TempDir(), "cache", "hello"),
		Module:   "example.invalid/hello",
		Version:  "v1.0.0",
		Targets:  Commands("example.invalid/hello/cmd/hello"),
		Flags:    []string{"-trimpath"},
		Proxies:  []string{proxy},
		NoSumDB:  []string{"example.invalid"},
		Env:      isolated(t),
		Progress: log.add,
	}
	dir, err := Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(dir, "hello")).Output()
	if err != nil || string(out) != "hello v1" {
		t.Fatalf("built program printed %q, %v; want %q", out, err, "hello v1")
	}
	s, err := ReadStamp(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Module != "example.invalid/hello" || s.Version != "v1.0.0" || s.GOARCH == "" || !strings.HasPrefix(s.GoVersion, "go") || s.Programs[0] != "hello" {
		t.Errorf("stamp = %+v", s)
	}
	if n := log.count("building "); n != 1 {
		t.Fatalf("%d build starts reported, want 1: %q", n, log.lines)
	}

	tests := []struct {
		name    string
		change  func(*Build)
		rebuild bool
	}{
		{"same build is a cache hit", func(*Build) {}, false},
		{"a missing program rebuilds", func(b *Build) { os.Remove(filepath.Join(b.Dir, "hello")) }, true},
		{"other flags rebuild", func(b *Build) { b.Flags = []string{"-trimpath", "-ldflags=-s -w"} }, true},
		{"other key rebuilds", func(b *Build) { b.Key = "x" }, true},
		{"other name rebuilds", func(b *Build) { b.Targets = []Target{{Package: b.Targets[0].Package, Name: "hi"}} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := b
			tt.change(&c)
			before := log.count("building ")
			if _, err := Run(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			if got := log.count("building ") > before; got != tt.rebuild {
				t.Errorf("rebuilt = %v, want %v", got, tt.rebuild)
			}
		})
	}
}

// helloSource is a Source writing a one-file program, counting its calls.
func helloSource(calls *atomic.Int32, delay time.Duration) func(context.Context, Toolchain) (string, error) {
	return func(ctx context.Context, tc Toolchain) (string, error) {
		calls.Add(1)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return "", ctx.Err()
		}
		files := map[string]string{
			"go.mod":  "module example.invalid/local\n\ngo 1.22\n",
			"main.go": "package main\n\nfunc main() {}\n",
		}
		for n, body := range files {
			if err := os.WriteFile(filepath.Join(tc.Work, n), []byte(body), 0o644); err != nil {
				return "", err
			}
		}
		return tc.Work, nil
	}
}

func localBuild(t *testing.T, calls *atomic.Int32, delay time.Duration) Build {
	return Build{
		Dir:     filepath.Join(t.TempDir(), "local"),
		Module:  "example.invalid/local",
		Version: "v0.0.0",
		Source:  helloSource(calls, delay),
		Targets: []Target{{Package: ".", Name: "local"}},
	}
}

// TestRunConcurrent starts several builders of one entry at once: the lock
// makes one of them build and the others find its result.
func TestRunConcurrent(t *testing.T) {
	var calls atomic.Int32
	b := localBuild(t, &calls, 200*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(context.Background(), b)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("source prepared %d times, want 1", n)
	}

	// A builder that finds the entry locked says so before it waits.
	var log progressLog
	unlock, err := flock.Lock(b.Dir+".lock", nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Progress = log.add
	done := make(chan error)
	go func() { _, err := Run(context.Background(), b); done <- err }()
	time.Sleep(300 * time.Millisecond)
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if log.count("waiting for another process building local ") != 1 {
		t.Errorf("progress while locked out = %q", log.lines)
	}
}

// TestRunLeavesNothingHalfDone checks that a failed or cancelled build
// leaves the previous entry (or none) and no scratch directories.
func TestRunLeavesNothingHalfDone(t *testing.T) {
	tests := []struct {
		name string
		prep func(*Build) context.Context
	}{
		{"cancelled", func(*Build) context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}},
		{"check fails", func(b *Build) context.Context {
			b.Check = func(string) error { return errors.New("not what was wanted") }
			return context.Background()
		}},
		{"compile fails", func(b *Build) context.Context {
			b.Targets = []Target{{Package: "./missing", Name: "local"}}
			return context.Background()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			b := localBuild(t, &calls, 0)
			// What a killed builder leaves; the next builder removes it.
			if err := os.MkdirAll(filepath.Join(filepath.Dir(b.Dir), ".local-build-123", "work"), 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := Run(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			good, err := os.ReadFile(filepath.Join(b.Dir, StampFile))
			if err != nil {
				t.Fatal(err)
			}
			b.Key = "changed"
			b.Source = helloSource(&calls, 2*time.Second)
			ctx := tt.prep(&b)
			if tt.name != "cancelled" {
				b.Source = helloSource(&calls, 0)
			}
			if _, err := Run(ctx, b); err == nil {
				t.Fatal("Run succeeded")
			}
			if got, err := os.ReadFile(filepath.Join(b.Dir, StampFile)); err != nil || string(got) != string(good) {
				t.Errorf("previous entry not kept: %q, %v", got, err)
			}
			ents, err := os.ReadDir(filepath.Dir(b.Dir))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if e.Name() != "local" && e.Name() != "local.lock" {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

// TestRunProgress checks that a slow build reports while it runs.
func TestRunProgress(t *testing.T) {
	var calls atomic.Int32
	var log progressLog
	b := localBuild(t, &calls, 300*time.Millisecond)
	b.Progress, b.ProgressEvery = log.add, 50*time.Millisecond
	if _, err := Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if log.count("building local (example.invalid/local@v0.0.0) for ") != 1 || log.count("still building ") == 0 || log.count("built local ") != 1 {
		t.Errorf("progress = %q", log.lines)
	}
}

func TestRunRequiresFields(t *testing.T) {
	if _, err := Run(context.Background(), Build{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("Run without module = %v", err)
	}
}
