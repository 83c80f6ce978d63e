//go:build linux

package lab

import (
	"context"
	"path/filepath"

	"github.com/tailos/tailos/internal/gobuild"
)

// headscaleModule is built in a throwaway module, so that its dependencies
// never enter tailos's own go.mod.
const headscaleModule = "github.com/juanfont/headscale"

// BuildHeadscale returns the path of a headscale binary for version, built
// with the local Go toolchain and cached under
// cacheDir/headscale/<version>/headscale (cacheDir empty: the tailos cache).
func BuildHeadscale(ctx context.Context, cacheDir, version string, progress func(string, ...any)) (string, error) {
	if version == "" {
		version = HeadscaleVersion
	}
	if cacheDir == "" {
		d, err := gobuild.CacheDir()
		if err != nil {
			return "", err
		}
		cacheDir = d
	}
	dir, err := gobuild.Run(ctx, gobuild.Build{
		Dir:      filepath.Join(cacheDir, "headscale", version),
		Module:   headscaleModule,
		Version:  version,
		Targets:  gobuild.Commands(headscaleModule + "/cmd/headscale"),
		Flags:    []string{"-trimpath"},
		Progress: progress,
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "headscale"), nil
}
