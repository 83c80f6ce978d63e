package release

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MainPackage is the command a release ships, relative to the module root.
const MainPackage = "./cmd/tailos"

// VersionSymbol is the variable the release version is stamped into.
const VersionSymbol = "main.version"

// BuildFlags are the go build flags that make a binary reproducible: no
// file system paths (-trimpath), no VCS data that differs between a clean
// and a touched checkout, no build ID, the version stamped in, symbols and
// DWARF stripped.
func BuildFlags(version string) []string {
	return []string{
		"-trimpath",
		"-buildvcs=false",
		"-ldflags=-s -w -buildid= -X " + VersionSymbol + "=" + version,
	}
}

// BuildBinary builds the tailos binary for t into dst with BuildFlags,
// statically (CGO_ENABLED=0).
func BuildBinary(ctx context.Context, opts Options, t Target, dst string) error {
	if err := opts.normalize(); err != nil {
		return err
	}
	return buildBinary(ctx, opts, t, dst)
}

func buildBinary(ctx context.Context, opts Options, t Target, dst string) error {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	args := append([]string{"build"}, BuildFlags(opts.Version)...)
	args = append(args, "-o", abs, MainPackage)
	cmd := exec.CommandContext(ctx, opts.Go, args...)
	cmd.Dir = opts.Source
	// The host's GOFLAGS must not add to (or fight) the flags above.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.OS, "GOARCH="+t.Arch, "GOFLAGS=-mod=readonly")
	cmd.Env = append(cmd.Env, opts.Env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", t, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
