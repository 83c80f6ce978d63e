package extension

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/tailos/tailos/internal/gobuild"
)

// Binaries are the three programs the extension's container runs: containerboot
// starts tailscaled and drives it with the tailscale CLI, all found on PATH.
var Binaries = []string{"containerboot", "tailscaled", "tailscale"}

// Arches are the architectures Talos ships and the extension can be built for.
var Arches = []string{"amd64", "arm64"}

// BinariesOptions says which Tailscale to build and where to keep it.
type BinariesOptions struct {
	// Version of tailscale.com, with or without the leading "v" (e.g. "1.96.5").
	Version string
	// Arch is the GOARCH to build for: amd64 or arm64.
	Arch string
	// CacheDir is the root of the binary cache; empty means DefaultCacheDir().
	CacheDir string
	// Go is the go command to use; empty means "go" on PATH.
	Go string
	// Progress, when set, is told about slow steps.
	Progress func(format string, args ...any)
}

var versionRe = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)$`)

// NormalizeVersion returns a Tailscale release version without the "v"
// prefix, or an error for anything that is not a plain x.y.z release.
func NormalizeVersion(v string) (string, error) {
	if !versionRe.MatchString(v) {
		return "", fmt.Errorf("tailscale version %q: want a release like 1.96.5", v)
	}
	return strings.TrimPrefix(v, "v"), nil
}

func checkArch(arch string) error {
	for _, a := range Arches {
		if a == arch {
			return nil
		}
	}
	return fmt.Errorf("arch %q: want one of %s", arch, strings.Join(Arches, ", "))
}

// DefaultCacheDir is $XDG_CACHE_HOME/tailos, else $HOME/.cache/tailos.
func DefaultCacheDir() (string, error) { return gobuild.CacheDir() }

// buildFlags are the go build flags: static, stripped, and free of anything
// host-dependent (paths, VCS state, build IDs) so that the same toolchain and
// version give byte-identical binaries. The stamps are those Tailscale's own
// build_dist.sh sets, so `tailscale version` reports the release.
func buildFlags(version string) []string {
	return []string{
		"-trimpath", "-buildvcs=false",
		"-ldflags", fmt.Sprintf("-s -w -buildid= -X tailscale.com/version.longStamp=%s-tailos -X tailscale.com/version.shortStamp=%s", version, version),
	}
}

// BuildBinaries builds containerboot, tailscaled and tailscale from
// tailscale.com@Version for linux/Arch with the local Go toolchain and module
// proxy, and returns the directory holding them. Results are cached under
// CacheDir/tailscale/<version>/<arch>/ and rebuilt only when the Go version or
// build flags change. Concurrent callers wait for one another.
func BuildBinaries(ctx context.Context, opts BinariesOptions) (string, error) {
	version, err := NormalizeVersion(opts.Version)
	if err != nil {
		return "", err
	}
	if err := checkArch(opts.Arch); err != nil {
		return "", err
	}
	cache := opts.CacheDir
	if cache == "" {
		if cache, err = DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	var targets []gobuild.Target
	for _, name := range Binaries {
		targets = append(targets, gobuild.Target{Package: "tailscale.com/cmd/" + name})
	}
	return gobuild.Run(ctx, gobuild.Build{
		Dir:      filepath.Join(cache, "tailscale", version, opts.Arch),
		Module:   "tailscale.com",
		Version:  "v" + version,
		Targets:  targets,
		GOOS:     "linux",
		GOARCH:   opts.Arch,
		Flags:    buildFlags(version),
		Go:       opts.Go,
		Check:    func(dir string) error { return CheckBinaries(dir, opts.Arch) },
		Progress: opts.Progress,
	})
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// CheckBinaries verifies that dir holds the three programs as statically
// linked Linux ELF executables for arch: the extension's container has no
// libc or dynamic loader, so anything else fails only on the node.
func CheckBinaries(dir, arch string) error {
	if err := checkArch(arch); err != nil {
		return err
	}
	var errs []error
	for _, name := range Binaries {
		if err := checkELF(filepath.Join(dir, name), elfMachine[arch]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkELF(path string, want elf.Machine) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a Linux executable: %w", path, err)
	}
	defer f.Close()
	if f.Machine != want {
		return fmt.Errorf("%s: built for %s, want %s", path, f.Machine, want)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s: ELF type %s is not an executable", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s: dynamically linked (needs an ELF interpreter); build with CGO_ENABLED=0", path)
		}
	}
	return nil
}

// isStaticELF reports whether path is an ELF executable without an interpreter.
func isStaticELF(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// HostArch is the GOARCH of this process, for defaults.
func HostArch() string { return runtime.GOARCH }
