//go:build linux

package talosnode

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/internal/gobuild"
)

// TestSourceChanges applies the two source changes to the real Talos
// module source and checks that they refuse source they do not expect.
func TestSourceChanges(t *testing.T) {
	tc := gobuild.Toolchain{Cmd: "go", Env: append(os.Environ(), "GOFLAGS=-mod=mod")}
	ctx := context.Background()
	talosDir, err := moduleDir(ctx, tc, talosModule+"@"+TalosVersion)
	if err != nil {
		t.Skipf("Talos module source not available: %v", err)
	}
	tests := []struct {
		name    string
		mutate  func(t *testing.T, dir string)
		wantErr string
	}{
		{name: "upstream v1.14.1", mutate: func(*testing.T, string) {}},
		{name: "changed upstream text", wantErr: "found 0 times", mutate: func(t *testing.T, dir string) {
			p := filepath.Join(dir, sourceChanges[1].File)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(data), "ModeContainer {", "ModeContainer || false {", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, c := range sourceChanges {
				if err := copyFile(filepath.Join(talosDir, c.File), filepath.Join(dir, c.File), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tt.mutate(t, dir)
			err := applySourceChanges(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("applySourceChanges = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range sourceChanges {
				data, err := os.ReadFile(filepath.Join(dir, c.File))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(data), c.New) {
					t.Errorf("%s: change not applied", c.File)
				}
			}
			// The changed package still compiles as Go source.
			if out, err := exec.Command("gofmt", "-l", dir).CombinedOutput(); err != nil || len(out) != 0 {
				t.Errorf("gofmt -l: %v %s", err, out)
			}
		})
	}
}

// TestBuild builds (or finds cached) the node root and runs its runc
// inside it, which needs the unpacked libraries in place.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds machined and containerd (minutes when not cached)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (chroot into the node root)")
	}
	cache := os.Getenv("TAILOS_TEST_CACHE")
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(d, "tailos")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	start := time.Now()
	a, err := Build(ctx, BuildOptions{CacheDir: cache, Progress: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node root %s in %s", a.Rootfs, time.Since(start).Round(time.Second))
	for _, tt := range []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/runc", "--version"}, "runc version"},
		{[]string{"/usr/bin/containerd", "--version"}, strings.TrimPrefix(ContainerdVersion, "v")},
		{[]string{"/usr/bin/busybox", "true"}, ""},
	} {
		out, err := exec.Command("chroot", append([]string{a.Rootfs}, tt.argv...)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), tt.want) {
			t.Errorf("%v in the node root: %v\n%s", tt.argv, err, out)
		}
	}
	if fi, err := os.Stat(filepath.Join(a.Rootfs, containerMarker)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("container marker: %v", err)
	}
}
