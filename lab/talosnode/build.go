//go:build linux

package talosnode

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Versions of what a lab node runs: the ones Talos v1.14.1 pins.
const (
	TalosVersion      = "v1.14.1"
	ContainerdVersion = "v2.3.5"
)

const (
	talosModule      = "github.com/siderolabs/talos"
	machineryModule  = "github.com/siderolabs/talos/pkg/machinery"
	containerdModule = "github.com/containerd/containerd/v2"
)

// DebianPackages are unpacked (not installed) into the node root: runc and
// the libraries it links, and a static busybox for a shell in the root.
var DebianPackages = []string{"runc", "libseccomp2", "libc6", "busybox-static"}

// goproxyFS holds the two Talos dependency forks the public module proxy
// does not serve (github.com/jsimonetti/rtnetlink/v2 at Talos's pinned
// commit, github.com/siderolabs/ethtool), in GOPROXY file layout.
//
//go:embed goproxy
var goproxyFS embed.FS

// BuildOptions configure Build.
type BuildOptions struct {
	// CacheDir is the root of the cache (the tailos cache); the node
	// pieces go to CacheDir/talos-node/<TalosVersion>.
	CacheDir string
	// Progress, when set, hears about slow steps.
	Progress func(format string, args ...any)
}

func (o *BuildOptions) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// Artifacts are the built node pieces.
type Artifacts struct {
	// Rootfs is a complete, read-only node root (Talos's rootfs layout):
	// /usr/bin/init is machined, containerd, the shim and runc next to it.
	Rootfs string
}

// Build returns the node root filesystem for TalosVersion, building
// machined (from the Talos module source with sourceChanges applied),
// containerd and its runc shim (from the containerd module), and unpacking
// the Debian packages, each once and cached by version.
func Build(ctx context.Context, o BuildOptions) (*Artifacts, error) {
	if o.CacheDir == "" {
		return nil, fmt.Errorf("talos node build: cache directory required")
	}
	base := filepath.Join(o.CacheDir, "talos-node", TalosVersion)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockFile(filepath.Join(base, ".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	rootfs := filepath.Join(base, "rootfs")
	if _, err := os.Stat(filepath.Join(rootfs, containerMarker)); err == nil {
		return &Artifacts{Rootfs: rootfs}, nil
	}
	src, err := buildMachined(ctx, &o, base)
	if err != nil {
		return nil, err
	}
	if err := buildContainerd(ctx, &o, base); err != nil {
		return nil, err
	}
	deb, err := unpackDebian(ctx, &o, base)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(base, ".rootfs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := assembleRootfs(tmp, filepath.Join(base, "bin"), src, deb); err != nil {
		return nil, fmt.Errorf("assembling the node root: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, rootfs); err != nil {
		return nil, err
	}
	return &Artifacts{Rootfs: rootfs}, nil
}

// buildMachined builds base/bin/init and keeps the few source files the
// root needs under base/src. It returns that directory.
func buildMachined(ctx context.Context, o *BuildOptions, base string) (string, error) {
	bin := filepath.Join(base, "bin", "init")
	keep := filepath.Join(base, "src")
	if _, err := os.Stat(bin); err == nil {
		if _, err := os.Stat(filepath.Join(keep, "os-release")); err == nil {
			return keep, nil
		}
	}
	o.progress("building Talos %s machined (first time only; minutes)", TalosVersion)
	work, err := os.MkdirTemp(base, ".machined-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	proxy, err := writeProxy(work)
	if err != nil {
		return "", err
	}
	env := goEnv(proxy)
	talosDir, err := moduleDir(ctx, env, talosModule+"@"+TalosVersion)
	if err != nil {
		return "", err
	}
	machDir, err := moduleDir(ctx, env, machineryModule+"@"+TalosVersion)
	if err != nil {
		return "", err
	}
	srcDir := filepath.Join(work, "talos")
	if err := copyTree(talosDir, srcDir); err != nil {
		return "", err
	}
	if err := copyTree(machDir, filepath.Join(srcDir, "pkg", "machinery")); err != nil {
		return "", err
	}
	_ = os.Remove(filepath.Join(srcDir, "go.work"))
	_ = os.Remove(filepath.Join(srcDir, "go.work.sum"))
	if err := editGoMod(ctx, env, srcDir); err != nil {
		return "", err
	}
	if err := applySourceChanges(srcDir); err != nil {
		return "", err
	}
	out := filepath.Join(work, "init")
	if err := runGo(ctx, srcDir, env, "build", "-trimpath", "-tags", "tcell_minimal,grpcnotrace",
		"-ldflags", "-s -w -X golang.zx2c4.com/wireguard/ipc.socketDirectory=/system/wireguard-sock",
		"-o", out, "./internal/app/machined"); err != nil {
		return "", err
	}
	if err := os.MkdirAll(keep+".new", 0o755); err != nil {
		return "", err
	}
	for dst, from := range map[string]string{
		"os-release":          "pkg/machinery/version/os-release",
		"containerd.toml":     "hack/containerd.toml",
		"cri-containerd.toml": "hack/cri-containerd.toml",
		"cri-plugin.part":     "hack/cri-plugin.part",
		"UTC":                 "hack/zoneinfo/Etc/UTC",
	} {
		if err := copyFile(filepath.Join(srcDir, from), filepath.Join(keep+".new", dst), 0o644); err != nil {
			return "", err
		}
	}
	if err := install(out, bin); err != nil {
		return "", err
	}
	_ = os.RemoveAll(keep)
	return keep, os.Rename(keep+".new", keep)
}

// buildContainerd builds containerd and containerd-shim-runc-v2 in a
// throwaway module, so their dependencies never meet tailos's go.mod.
func buildContainerd(ctx context.Context, o *BuildOptions, base string) error {
	names := []string{"containerd", "containerd-shim-runc-v2"}
	done := true
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(base, "bin", n)); err != nil {
			done = false
		}
	}
	if done {
		return nil
	}
	o.progress("building containerd %s (first time only)", ContainerdVersion)
	work, err := os.MkdirTemp(base, ".containerd-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	env := goEnv("")
	if err := runGo(ctx, work, env, "mod", "init", "tailos-lab-containerd"); err != nil {
		return err
	}
	if err := runGo(ctx, work, env, "get", containerdModule+"@"+ContainerdVersion); err != nil {
		return err
	}
	for _, n := range names {
		out := filepath.Join(work, n)
		if err := runGo(ctx, work, env, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, containerdModule+"/cmd/"+n); err != nil {
			return err
		}
		if err := install(out, filepath.Join(base, "bin", n)); err != nil {
			return err
		}
	}
	return nil
}

// unpackDebian downloads DebianPackages with apt-get and unpacks them with
// dpkg -x into base/deb.
func unpackDebian(ctx context.Context, o *BuildOptions, base string) (string, error) {
	dir := filepath.Join(base, "deb")
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	o.progress("unpacking Debian packages %s", strings.Join(DebianPackages, ", "))
	work, err := os.MkdirTemp(base, ".deb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := run(ctx, work, nil, "apt-get", append([]string{"download", "-q"}, DebianPackages...)...); err != nil {
		return "", fmt.Errorf("%w (apt-get update may be needed)", err)
	}
	debs, err := filepath.Glob(filepath.Join(work, "*.deb"))
	if err != nil || len(debs) != len(DebianPackages) {
		return "", fmt.Errorf("apt-get download: got %d packages, want %d", len(debs), len(DebianPackages))
	}
	root := filepath.Join(work, "root")
	var names []string
	for _, d := range debs {
		if err := run(ctx, work, nil, "dpkg", "-x", d, root); err != nil {
			return "", err
		}
		names = append(names, filepath.Base(d))
	}
	if err := os.WriteFile(filepath.Join(root, ".complete"), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	_ = os.RemoveAll(dir)
	return dir, os.Rename(root, dir)
}

// writeProxy writes the embedded module proxy under dir and returns it.
func writeProxy(dir string) (string, error) {
	p := filepath.Join(dir, "goproxy")
	err := fs.WalkDir(goproxyFS, "goproxy", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := goproxyFS.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	return p, err
}

// goEnv is the environment of the go commands: static binaries, the
// embedded proxy (when set) in front of the usual one.
func goEnv(proxy string) []string {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	if proxy != "" {
		up := strings.TrimSpace(goEnvValue("GOPROXY"))
		if up == "" {
			up = "https://proxy.golang.org,direct"
		}
		env = append(env,
			"GOPROXY=file://"+proxy+","+up,
			"GONOSUMDB=github.com/jsimonetti/rtnetlink,github.com/siderolabs/ethtool")
	}
	return env
}

func goEnvValue(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// moduleDir downloads a module (if needed) and returns its read-only
// directory in the module cache.
func moduleDir(ctx context.Context, env []string, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Env = env
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w\n%s", mod, err, tail(stderr.String(), 2000))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory", mod)
	}
	return info.Dir, nil
}

// editGoMod makes Talos's go.mod resolvable here (see the goproxy
// directory): the ethtool fork at a served commit, upstream siv-go (only
// NTS uses it; container mode runs no time sync) and a served
// cosi-project/runtime.
func editGoMod(ctx context.Context, env []string, dir string) error {
	if err := runGo(ctx, dir, env, "mod", "edit",
		"-replace", "github.com/mdlayher/ethtool=github.com/siderolabs/ethtool@v0.6.1-0.20250211080416-ce8bc6926323",
		"-dropreplace", "github.com/secure-io/siv-go",
		"-replace", "github.com/cosi-project/runtime@v1.16.3=github.com/cosi-project/runtime@v1.16.2"); err != nil {
		return err
	}
	p := filepath.Join(dir, "go.sum")
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var keep []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "github.com/siderolabs/ethtool v0.6.0-sidero") || strings.HasPrefix(line, "github.com/smira/siv-go ") {
			continue
		}
		keep = append(keep, line)
	}
	return os.WriteFile(p, []byte(strings.Join(keep, "")), 0o644)
}

func runGo(ctx context.Context, dir string, env []string, args ...string) error {
	return run(ctx, dir, env, "go", args...)
}

func run(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 3000))
	}
	return nil
}

// copyTree copies a directory (module cache trees are read-only; the copy
// is writable).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		default:
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return copyFile(path, target, fi.Mode().Perm()|0o200)
		}
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// install moves a built binary into place atomically.
func install(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Chmod(src, 0o755); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		if err := copyFile(src, dst+".tmp", 0o755); err != nil {
			return err
		}
		return os.Rename(dst+".tmp", dst)
	}
	return nil
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening cache lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking cache: %w", err)
	}
	return func() { f.Close() }, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
