package extension

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
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
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "tailos"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "tailos"), nil
}

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
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	goVersion, err := goEnv(ctx, goCmd, "GOVERSION")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "tailscale", version, opts.Arch)
	stamp := buildStamp(goVersion, version, opts.Arch)

	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("creating cache: %w", err)
	}
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()

	if cached(dir, stamp) {
		return dir, nil
	}
	if opts.Progress != nil {
		opts.Progress("building tailscale %s for linux/%s with %s (first time only)", version, opts.Arch, goVersion)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+opts.Arch+"-build-")
	if err != nil {
		return "", fmt.Errorf("creating build directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	if err := goBuild(ctx, goCmd, tmp, version, opts.Arch); err != nil {
		return "", err
	}
	out := filepath.Join(tmp, "bin")
	if err := CheckBinaries(out, opts.Arch); err != nil {
		return "", fmt.Errorf("built binaries: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, stampFile), []byte(stamp), 0o644); err != nil {
		return "", fmt.Errorf("writing build stamp: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("replacing stale cache: %w", err)
	}
	if err := os.Rename(out, dir); err != nil {
		return "", fmt.Errorf("filling cache: %w", err)
	}
	return dir, nil
}

// stampFile records what a cache entry was built with; it is not a binary.
const stampFile = ".tailos-build"

func buildStamp(goVersion, version, arch string) string {
	sum := sha256.Sum256([]byte(strings.Join(buildFlags(version), "\x00")))
	return fmt.Sprintf("tailscale.com@v%s linux/%s %s flags:%s\n", version, arch, goVersion, hex.EncodeToString(sum[:8]))
}

func cached(dir, stamp string) bool {
	b, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil || string(b) != stamp {
		return false
	}
	for _, name := range Binaries {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// goBuild builds inside a throwaway module that requires only tailscale.com,
// so the dependency versions are exactly those tailscale.com pins.
func goBuild(ctx context.Context, goCmd, work, version, arch string) error {
	mod := fmt.Sprintf("module tailos.invalid/tailscale-build\n\ngo 1.26\n\nrequire tailscale.com v%s\n", version)
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte(mod), 0o644); err != nil {
		return fmt.Errorf("writing build module: %w", err)
	}
	args := append([]string{"build", "-o", filepath.Join(work, "bin") + string(filepath.Separator)}, buildFlags(version)...)
	for _, name := range Binaries {
		args = append(args, "tailscale.com/cmd/"+name)
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch,
		"GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build tailscale.com@v%s for linux/%s: %w\n%s", version, arch, err, tail(out, 4000))
	}
	return nil
}

func goEnv(ctx context.Context, goCmd, key string) (string, error) {
	out, err := exec.CommandContext(ctx, goCmd, "env", key).Output()
	if err != nil {
		return "", fmt.Errorf("running %s env %s (a Go toolchain is needed to build tailscale): %w", goCmd, key, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
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
