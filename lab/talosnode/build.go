//go:build linux

package talosnode

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tailos/tailos/internal/flock"
	"github.com/tailos/tailos/internal/gobuild"
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
// the Debian packages, each once and cached by version. The root is
// reassembled whenever one of its parts was rebuilt.
func Build(ctx context.Context, o BuildOptions) (*Artifacts, error) {
	if o.CacheDir == "" {
		return nil, fmt.Errorf("talos node build: cache directory required")
	}
	base := filepath.Join(o.CacheDir, "talos-node", TalosVersion)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	unlock, err := flock.Lock(filepath.Join(base, ".lock"), nil)
	if err != nil {
		return nil, err
	}
	defer unlock()
	machined, err := buildMachined(ctx, &o, base)
	if err != nil {
		return nil, err
	}
	containerd, err := buildContainerd(ctx, &o, base)
	if err != nil {
		return nil, err
	}
	deb, err := unpackDebian(ctx, &o, base)
	if err != nil {
		return nil, err
	}
	key, err := partsKey(machined, containerd, deb)
	if err != nil {
		return nil, err
	}
	rootfs := filepath.Join(base, "rootfs")
	keyFile := rootfs + ".key"
	if got, err := os.ReadFile(keyFile); err == nil && string(got) == key {
		if _, err := os.Stat(filepath.Join(rootfs, containerMarker)); err == nil {
			return &Artifacts{Rootfs: rootfs}, nil
		}
	}
	tmp, err := os.MkdirTemp(base, ".rootfs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := assembleRootfs(tmp, machined, containerd, deb); err != nil {
		return nil, fmt.Errorf("assembling the node root: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(rootfs); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, rootfs); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, []byte(key), 0o644); err != nil {
		return nil, err
	}
	return &Artifacts{Rootfs: rootfs}, nil
}

// partsKey identifies the parts a node root is assembled from: the two
// build stamps and the Debian package list.
func partsKey(machined, containerd, deb string) (string, error) {
	h := sha256.New()
	for _, f := range []string{
		filepath.Join(machined, gobuild.StampFile),
		filepath.Join(containerd, gobuild.StampFile),
		filepath.Join(deb, ".complete"),
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%d\x00", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keptFiles are the files of the Talos source the root needs, by the name
// they are kept under next to machined.
var keptFiles = map[string]string{
	"os-release":          "pkg/machinery/version/os-release",
	"containerd.toml":     "hack/containerd.toml",
	"cri-containerd.toml": "hack/cri-containerd.toml",
	"cri-plugin.part":     "hack/cri-plugin.part",
	"UTC":                 "hack/zoneinfo/Etc/UTC",
}

// goModEdits make Talos's go.mod resolvable here (see the goproxy
// directory): the ethtool fork at a served commit, upstream siv-go (only
// NTS uses it; container mode runs no time sync) and a served
// cosi-project/runtime.
var goModEdits = []string{
	"-replace", "github.com/mdlayher/ethtool=github.com/siderolabs/ethtool@v0.6.1-0.20250211080416-ce8bc6926323",
	"-dropreplace", "github.com/secure-io/siv-go",
	"-replace", "github.com/cosi-project/runtime@v1.16.3=github.com/cosi-project/runtime@v1.16.2",
}

// machinedKey covers what the prepared source depends on beyond the
// module version: the go.mod edits and the source changes.
func machinedKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q\x00%q", goModEdits, sourceChanges)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// buildMachined builds machined as base/machined/init, with the few source
// files the root needs kept beside it, and returns that directory.
func buildMachined(ctx context.Context, o *BuildOptions, base string) (string, error) {
	proxy, err := writeProxy(base)
	if err != nil {
		return "", err
	}
	return gobuild.Run(ctx, gobuild.Build{
		Dir:     filepath.Join(base, "machined"),
		Module:  talosModule,
		Version: TalosVersion,
		Key:     machinedKey(),
		Source:  prepareTalos,
		Targets: []gobuild.Target{{Package: "./internal/app/machined", Name: "init"}},
		GOOS:    "linux",
		Flags: []string{"-trimpath", "-tags", "tcell_minimal,grpcnotrace",
			"-ldflags", "-s -w -X golang.zx2c4.com/wireguard/ipc.socketDirectory=/system/wireguard-sock"},
		Proxies: []string{proxy},
		NoSumDB: []string{"github.com/jsimonetti/rtnetlink", "github.com/siderolabs/ethtool"},
		Keep: func(src, dst string) error {
			for name, from := range keptFiles {
				if err := copyFile(filepath.Join(src, from), filepath.Join(dst, name), 0o644); err != nil {
					return err
				}
			}
			return nil
		},
		Progress: o.Progress,
	})
}

// prepareTalos lays out the Talos module source with its machinery module
// in place (Talos builds with a go.work, which the module zip lacks),
// resolvable here, and with sourceChanges applied.
func prepareTalos(ctx context.Context, tc gobuild.Toolchain) (string, error) {
	talosDir, err := moduleDir(ctx, tc, talosModule+"@"+TalosVersion)
	if err != nil {
		return "", err
	}
	machDir, err := moduleDir(ctx, tc, machineryModule+"@"+TalosVersion)
	if err != nil {
		return "", err
	}
	srcDir := filepath.Join(tc.Work, "talos")
	if err := copyTree(talosDir, srcDir); err != nil {
		return "", err
	}
	if err := copyTree(machDir, filepath.Join(srcDir, "pkg", "machinery")); err != nil {
		return "", err
	}
	_ = os.Remove(filepath.Join(srcDir, "go.work"))
	_ = os.Remove(filepath.Join(srcDir, "go.work.sum"))
	if err := editGoMod(ctx, tc, srcDir); err != nil {
		return "", err
	}
	if err := applySourceChanges(srcDir); err != nil {
		return "", err
	}
	return srcDir, nil
}

// buildContainerd builds containerd and containerd-shim-runc-v2 into
// base/containerd and returns that directory.
func buildContainerd(ctx context.Context, o *BuildOptions, base string) (string, error) {
	return gobuild.Run(ctx, gobuild.Build{
		Dir:      filepath.Join(base, "containerd"),
		Module:   containerdModule,
		Version:  ContainerdVersion,
		Targets:  gobuild.Commands(containerdModule+"/cmd/containerd", containerdModule+"/cmd/containerd-shim-runc-v2"),
		GOOS:     "linux",
		Flags:    []string{"-trimpath", "-ldflags", "-s -w"},
		Progress: o.Progress,
	})
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

// moduleDir downloads a module (if needed) and returns its read-only
// directory in the module cache.
func moduleDir(ctx context.Context, tc gobuild.Toolchain, mod string) (string, error) {
	out, err := tc.Output(ctx, os.TempDir(), "mod", "download", "-json", mod)
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	if err != nil {
		return "", err
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory", mod)
	}
	return info.Dir, nil
}

// editGoMod applies goModEdits to Talos's go.mod and drops the go.sum
// lines of what they replace.
func editGoMod(ctx context.Context, tc gobuild.Toolchain, dir string) error {
	if err := tc.Run(ctx, dir, append([]string{"mod", "edit"}, goModEdits...)...); err != nil {
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

func run(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, gobuild.Tail(out.Bytes(), 3000))
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
