//go:build linux

package talosnode

import (
	"fmt"
	"os"
	"path/filepath"
)

// containerMarker is constants.ContainerMarkerFilePath: with it (or
// PLATFORM=container) machined runs in Talos's container platform mode.
const containerMarker = "usr/etc/in-container"

// assembleRootfs lays out a node root the way Talos's Dockerfile (target
// rootfs-base) does, with machined and Talos's own config files from
// machinedDir, containerd and its shim from containerdDir and the unpacked
// Debian packages in debDir.
func assembleRootfs(root, machinedDir, containerdDir, debDir string) error {
	srcDir := machinedDir
	dirs := []string{
		"usr/bin", "usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/etc", "usr/share/zoneinfo/Etc",
		"usr/local/etc/containers", "usr/local/lib/containers", "usr/local/share",
		"etc/containerd", "etc/cri/conf.d/hosts", "etc/ssl/certs", "etc/kubernetes/manifests", "etc/cni/net.d",
		"system", "opt/containerd/bin", "opt/containerd/lib", "var", "run", "tmp", "proc", "sys", "dev", "mnt",
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	for link, target := range map[string]string{
		"bin": "usr/bin", "sbin": "usr/bin", "lib": "usr/lib", "lib64": "usr/lib64",
		"usr/sbin": "bin", "etc/localtime": "/usr/share/zoneinfo/Etc/UTC",
		"usr/lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			return err
		}
	}
	for b, dir := range map[string]string{"init": machinedDir, "containerd": containerdDir, "containerd-shim-runc-v2": containerdDir} {
		if err := copyFile(filepath.Join(dir, b), filepath.Join(root, "usr/bin", b), 0o755); err != nil {
			return err
		}
	}
	// One binary, dispatched by argv[0] (internal/app/machined/main.go).
	for _, name := range []string{"machined", "apid", "trustd", "poweroff", "shutdown", "reboot", "dashboard", "sandboxd"} {
		if err := os.Symlink("init", filepath.Join(root, "usr/bin", name)); err != nil {
			return err
		}
	}
	for from, to := range map[string]string{
		"usr/sbin/runc": "usr/bin/runc",
		"bin/busybox":   "usr/bin/busybox",
	} {
		if err := copyFile(filepath.Join(debDir, from), filepath.Join(root, to), 0o755); err != nil {
			return err
		}
	}
	// runc links libseccomp and glibc.
	for _, d := range []string{"lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"} {
		entries, err := os.ReadDir(filepath.Join(debDir, d))
		if err != nil {
			return err
		}
		for _, e := range entries {
			src := filepath.Join(debDir, d, e.Name())
			dst := filepath.Join(root, "usr/lib/x86_64-linux-gnu", e.Name())
			switch {
			case e.Type()&os.ModeSymlink != 0:
				l, err := os.Readlink(src)
				if err != nil {
					return err
				}
				if err := os.Symlink(l, dst); err != nil {
					return err
				}
			case e.Type().IsRegular():
				if err := copyFile(src, dst, 0o755); err != nil {
					return err
				}
			}
		}
	}
	files := map[string]string{
		"os-release":          "etc/os-release",
		"containerd.toml":     "etc/containerd/config.toml",
		"cri-containerd.toml": "etc/cri/containerd.toml",
		"cri-plugin.part":     "etc/cri/conf.d/00-base.part",
		"UTC":                 "usr/share/zoneinfo/Etc/UTC",
	}
	for from, to := range files {
		if err := copyFile(filepath.Join(srcDir, from), filepath.Join(root, to), 0o644); err != nil {
			return err
		}
	}
	// The host's CA bundle (Talos ships Mozilla's too); the lab's own CA
	// is added per node.
	if err := copyFile("/etc/ssl/certs/ca-certificates.crt", filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), 0o644); err != nil {
		return fmt.Errorf("CA bundle: %w", err)
	}
	for _, f := range []string{"etc/extensions.yaml", "etc/hostname", "etc/resolv.conf", "etc/hosts", containerMarker} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			return err
		}
	}
	return nil
}
