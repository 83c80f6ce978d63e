package extension

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBuiltBinariesRun runs the tailscale CLI from a built image (amd64 is
// the only arch that runs here) and checks the version stamp took.
func TestBuiltBinariesRun(t *testing.T) {
	if runtime.GOARCH != "amd64" || runtime.GOOS != "linux" {
		t.Skip("the binaries are linux/amd64")
	}
	a := buildFrom(t, realBinaries(t, "amd64"), "amd64")
	dest := filepath.Join(t.TempDir(), "ext")
	if err := UnpackImage(a.Images["amd64"], dest); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dest, ContainersDir, "tailscale/usr/local/bin")
	out, err := exec.Command(filepath.Join(bin, "tailscale"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("tailscale version: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	if lines[0] != testVersion || !strings.Contains(string(out), "long version: "+testVersion+"-tailos") {
		t.Errorf("tailscale version printed:\n%s", out)
	}
	out, err = exec.Command(filepath.Join(bin, "tailscaled"), "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), testVersion) {
		t.Errorf("tailscaled --version: %v\n%s", err, out)
	}
}

// TestBuildBinariesInterrupted cancels a real build part way and expects no
// cache entry and no leftovers, so the next run starts clean.
func TestBuildBinariesInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real go build; skipped with -short")
	}
	cache := t.TempDir()
	// An empty Go build cache makes the build take minutes whatever was
	// built before, so the 3 s cut always lands mid-build.
	t.Setenv("GOCACHE", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := BuildBinaries(ctx, BinariesOptions{Version: testVersion, Arch: "arm64", CacheDir: cache})
	if err == nil {
		t.Fatal("a build cut off after 3s reported success")
	}
	if !strings.Contains(err.Error(), "(tailscale.com@v"+testVersion+") for linux/arm64") {
		t.Errorf("error does not come from the interrupted build: %v", err)
	}
	parent := filepath.Join(cache, "tailscale", testVersion)
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != "arm64.lock" {
			t.Errorf("left behind in the cache: %s", e.Name())
		}
	}
}
