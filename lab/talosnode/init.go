//go:build linux

package talosnode

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// InitEnv names the variable that turns a re-executed tailos (or test
// binary) into a node's init: its value is a node's init.json.
const InitEnv = "TAILOS_LAB_TALOS_INIT"

// initConfig is what the node init needs to build the node's root and
// exec machined.
type initConfig struct {
	Hostname string `json:"hostname"`
	// Rootfs is the shared, read-only node root (Build).
	Rootfs string `json:"rootfs"`
	// Root is an empty directory the root is assembled on.
	Root string `json:"root"`
	// Binds are writable node directories: host path → node path.
	Binds []bindMount `json:"binds"`
	// Env is machined's environment.
	Env []string `json:"env"`
}

type bindMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// droppedCaps leave the bounding set before machined runs: with no
// CAP_SYS_BOOT a reboot can only end the node's own PID namespace, and the
// clock, kernel modules and kernel log stay the host's.
var droppedCaps = []uintptr{unix.CAP_SYS_TIME, unix.CAP_SYS_MODULE, unix.CAP_SYS_BOOT, unix.CAP_SYSLOG}

// hostDevices are bound into the node's /dev, as a container runtime does.
var hostDevices = []string{"null", "zero", "full", "random", "urandom", "tty", "net/tun"}

// IsInit reports whether this process was started as a node's init (see
// RunInit).
func IsInit() bool { return os.Getenv(InitEnv) != "" }

// RunInit is the body of a re-executed node init: PID 1 of the node's new
// PID namespace, in its own mount, UTS, IPC and cgroup namespaces and its
// network namespace. It builds the node root, pivots into it, drops
// capabilities and execs machined; it returns only on failure.
func RunInit() error {
	// unshare(CLONE_NEWCGROUP) is per thread: the exec must follow on the same one.
	runtime.LockOSThread()
	path := os.Getenv(InitEnv)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("node init config: %w", err)
	}
	var c initConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("node init config %s: %w", path, err)
	}
	// Die with the supervisor; execve keeps it (see lab.RunContainerInit).
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("parent-death signal: %w", err)
	}
	// Now in its own cgroup (placed there at clone): make it the root of
	// the node's cgroup namespace.
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return fmt.Errorf("cgroup namespace: %w", err)
	}
	if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
		return fmt.Errorf("hostname: %w", err)
	}
	if err := buildRoot(&c); err != nil {
		return err
	}
	if err := pivot(c.Root); err != nil {
		return err
	}
	for _, cp := range droppedCaps {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, cp, 0, 0, 0); err != nil {
			return fmt.Errorf("dropping capability %d: %w", cp, err)
		}
	}
	return fmt.Errorf("exec machined: %w", syscall.Exec("/usr/bin/init", []string{"/sbin/init"}, c.Env))
}

func buildRoot(c *initConfig) error {
	// Nothing mounted here may propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	r := c.Root
	if err := unix.Mount(c.Rootfs, r, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("binding the node root: %w", err)
	}
	if err := unix.Mount("", r, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("read-only node root: %w", err)
	}
	for _, d := range []string{"system", "tmp"} {
		if err := unix.Mount("tmpfs", filepath.Join(r, d), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
			return fmt.Errorf("tmpfs on /%s: %w", d, err)
		}
	}
	for _, b := range c.Binds {
		dst := filepath.Join(r, b.Target)
		if err := os.MkdirAll(dst, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("mount point %s: %w", b.Target, err)
		}
		if err := unix.Mount(b.Source, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s on %s: %w", b.Source, b.Target, err)
		}
		if b.ReadOnly {
			if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				return fmt.Errorf("read-only %s: %w", b.Target, err)
			}
		}
	}
	proc := filepath.Join(r, "proc")
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	// /proc/sys read-only except net: machined writes host-wide kernel.*,
	// vm.* and fs.* values even in container mode, which must fail; net.*
	// belongs to the node's network namespace.
	sys := filepath.Join(proc, "sys")
	if err := roBind(sys, sys); err != nil {
		return err
	}
	net := filepath.Join(sys, "net")
	if err := unix.Mount(net, net, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind /proc/sys/net: %w", err)
	}
	if err := unix.Mount("", net, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("writable /proc/sys/net: %w", err)
	}
	if err := unix.Mount("sysfs", filepath.Join(r, "sys"), "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("mounting /sys: %w", err)
	}
	// The cgroup namespace's root is the node's own cgroup.
	if err := unix.Mount("cgroup2", filepath.Join(r, "sys/fs/cgroup"), "cgroup2", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "nsdelegate"); err != nil {
		return fmt.Errorf("mounting cgroup2: %w", err)
	}
	return buildDev(filepath.Join(r, "dev"))
}

func roBind(src, dst string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", dst, err)
	}
	if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("read-only %s: %w", dst, err)
	}
	return nil
}

// buildDev makes a minimal /dev: a few host devices, its own pts, shm and
// mqueue.
func buildDev(dev string) error {
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID, "mode=0755"); err != nil {
		return fmt.Errorf("tmpfs on /dev: %w", err)
	}
	for _, d := range hostDevices {
		dst := filepath.Join(dev, d)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_RDONLY, 0o666)
		if err != nil {
			return err
		}
		f.Close()
		if err := unix.Mount(filepath.Join("/dev", d), dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", d, err)
		}
	}
	for _, d := range []string{"pts", "shm", "mqueue"} {
		if err := os.MkdirAll(filepath.Join(dev, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("devpts", filepath.Join(dev, "pts"), "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mounting devpts: %w", err)
	}
	if err := unix.Mount("shm", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777"); err != nil {
		return fmt.Errorf("mounting /dev/shm: %w", err)
	}
	if err := unix.Mount("mqueue", filepath.Join(dev, "mqueue"), "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /dev/mqueue: %w", err)
	}
	for link, target := range map[string]string{
		"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, filepath.Join(dev, link)); err != nil {
			return err
		}
	}
	return nil
}

// pivot makes root the new / and detaches the old one.
func pivot(root string) error {
	if err := os.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the old root: %w", err)
	}
	return os.Chdir("/")
}
