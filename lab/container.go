//go:build linux

package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ContainerEnv names the variable that turns a re-executed tailos (or test
// binary) into the container init: its value is a ContainerConfig file.
const ContainerEnv = "TAILOS_LAB_CONTAINER"

// ContainerConfig is what a node's container init needs: the layout Talos's
// extension service gives a container (rootfs, default mounts, the spec's
// mounts) and what to exec in it.
type ContainerConfig struct {
	// Root is an empty directory that becomes the container's /.
	Root string `json:"root"`
	// Rootfs is the extension's container root, bound read-only into Root.
	Rootfs          string   `json:"rootfs"`
	WriteableRootfs bool     `json:"writeableRootfs"`
	WriteableSysfs  bool     `json:"writeableSysfs"`
	Mounts          []Mount  `json:"mounts"`
	Entrypoint      string   `json:"entrypoint"`
	Args            []string `json:"args"`
	// Env is the list as Talos builds it, duplicates included; the
	// entrypoint gets it deduplicated as runc does (see RuntimeEnv).
	Env []string `json:"env"`
}

// Mount is one bind mount: a host path onto a container path.
type Mount struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Recursive   bool   `json:"recursive"`
	ReadOnly    bool   `json:"readOnly"`
}

// IsContainerInit reports whether this process was started as a node's
// container init (see RunContainerInit).
func IsContainerInit() bool { return os.Getenv(ContainerEnv) != "" }

// RunContainerInit is the body of a re-executed container init: it is
// already PID 1 of a new PID namespace, in a new mount namespace and in the
// node's network namespace. It builds the container root, chroots into it
// and execs the entrypoint; it returns only on failure.
func RunContainerInit() error {
	path := os.Getenv(ContainerEnv)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("container config: %w", err)
	}
	var c ContainerConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("container config %s: %w", path, err)
	}
	// Die with the lab process. The flag os/exec sets at fork did not
	// take effect for a new PID namespace's init (observed: containers
	// outlived a killed supervisor), so it is set again here; execve keeps it.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("parent-death signal: %w", err)
	}
	if err := setupRoot(&c); err != nil {
		return err
	}
	if err := unix.Chroot(c.Root); err != nil {
		return fmt.Errorf("chroot %s: %w", c.Root, err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	argv := append([]string{c.Entrypoint}, c.Args...)
	return fmt.Errorf("exec %s: %w", c.Entrypoint, syscall.Exec(c.Entrypoint, argv, RuntimeEnv(c.Env)))
}

// RuntimeEnv is what a process started by runc sees for a container's
// environment list: one entry per variable, the last occurrence's value,
// in the order of those last occurrences (runc libcontainer prepareEnv,
// v1.2+; older runc set each variable in turn with os.Setenv, with the
// same result). Talos appends the ExtensionServiceConfig environment after
// the service spec's own, so a user's entry overrides the spec's.
func RuntimeEnv(env []string) []string {
	seen := make(map[string]bool, len(env))
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		key, _, _ := strings.Cut(env[i], "=")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, env[i])
	}
	slices.Reverse(out)
	return out
}

// setupRoot lays out the container's root like containerd does for a Talos
// extension service: a read-only rootfs (unless writeableRootfs), /proc of
// the new PID namespace, /sys of the node's network namespace (read-only
// unless writeableSysfs), the host /dev (privileged), a fresh /tmp, the
// node's /etc/hosts and /etc/resolv.conf, then the spec's mounts.
func setupRoot(c *ContainerConfig) error {
	// Nothing mounted here may propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	if err := unix.Mount("tmpfs", c.Root, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mounting root tmpfs: %w", err)
	}
	entries, err := os.ReadDir(c.Rootfs)
	if err != nil {
		return fmt.Errorf("reading rootfs: %w", err)
	}
	for _, e := range entries {
		if err := bind(filepath.Join(c.Rootfs, e.Name()), filepath.Join(c.Root, e.Name()), true, !c.WriteableRootfs); err != nil {
			return err
		}
	}
	for _, d := range []string{"proc", "sys", "dev", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(c.Root, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("proc", filepath.Join(c.Root, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	var sysFlags uintptr = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if !c.WriteableSysfs {
		sysFlags |= unix.MS_RDONLY
	}
	if err := unix.Mount("sysfs", filepath.Join(c.Root, "sys"), "sysfs", sysFlags, ""); err != nil {
		return fmt.Errorf("mounting /sys: %w", err)
	}
	if err := bind("/dev", filepath.Join(c.Root, "dev"), true, false); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", filepath.Join(c.Root, "tmp"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mounting /tmp: %w", err)
	}
	for _, m := range c.Mounts {
		if err := bind(m.Source, filepath.Join(c.Root, m.Destination), m.Recursive, m.ReadOnly); err != nil {
			return err
		}
	}
	if !c.WriteableRootfs {
		if err := unix.Mount("", c.Root, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("making the root read-only: %w", err)
		}
	}
	return nil
}

// bind mounts src onto dst, creating dst as a directory or file to match.
func bind(src, dst string, recursive, readOnly bool) error {
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("mount source: %w", err)
	}
	if fi.IsDir() {
		err = os.MkdirAll(dst, 0o755)
	} else {
		if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(dst, os.O_CREATE|os.O_RDONLY, 0o644); err == nil {
				f.Close()
			}
		}
	}
	if err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("mount point %s: %w", dst, err)
	}
	var flags uintptr = unix.MS_BIND
	if recursive {
		flags |= unix.MS_REC
	}
	if err := unix.Mount(src, dst, "", flags, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, dst, err)
	}
	if readOnly {
		if err := unix.Mount("", dst, "", flags|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("read-only %s: %w", dst, err)
		}
	}
	return nil
}

// hostSource maps a spec mount's host path to the lab: the node's /var and
// /run are per-node directories; everything else (/dev, /etc/ssl/certs, ...)
// is the host's, as on a Talos node.
func hostSource(nodeDir, src string) string {
	clean := filepath.Clean(src)
	switch {
	case clean == "/var/run" || strings.HasPrefix(clean, "/var/run/"):
		return filepath.Join(nodeDir, "run", strings.TrimPrefix(clean, "/var/run"))
	case clean == "/run" || strings.HasPrefix(clean, "/run/"):
		return filepath.Join(nodeDir, "run", strings.TrimPrefix(clean, "/run"))
	case clean == "/var" || strings.HasPrefix(clean, "/var/"):
		return filepath.Join(nodeDir, "var", strings.TrimPrefix(clean, "/var"))
	}
	return clean
}
