//go:build linux

package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tailos/tailos/extension"
)

// headscaleModule is built with `go build` in a throwaway module, so that
// its dependencies never enter tailos's own go.mod.
const headscaleModule = "github.com/juanfont/headscale"

// BuildHeadscale returns the path of a headscale binary for version, built
// with the local Go toolchain and cached under
// cacheDir/headscale/<version>/headscale (cacheDir empty: the tailos cache).
func BuildHeadscale(ctx context.Context, cacheDir, version string, progress func(string, ...any)) (string, error) {
	if version == "" {
		version = HeadscaleVersion
	}
	if cacheDir == "" {
		d, err := extension.DefaultCacheDir()
		if err != nil {
			return "", err
		}
		cacheDir = d
	}
	dir := filepath.Join(cacheDir, "headscale", version)
	bin := filepath.Join(dir, "headscale")
	if fi, err := os.Stat(bin); err == nil && fi.Mode()&0o111 != 0 {
		return bin, nil
	}
	if progress != nil {
		progress("building headscale %s (first time only)", version)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating headscale cache: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	steps := [][]string{
		{"mod", "init", "tailos-lab-headscale"},
		{"get", headscaleModule + "/cmd/headscale@" + version},
		{"build", "-trimpath", "-o", filepath.Join(tmp, "headscale"), headscaleModule + "/cmd/headscale"},
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(out.String(), 2000))
		}
	}
	// Rename is atomic: a concurrent run sees no binary or a whole one.
	if err := os.Rename(filepath.Join(tmp, "headscale"), bin); err != nil {
		return "", fmt.Errorf("installing headscale: %w", err)
	}
	return bin, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
