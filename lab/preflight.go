//go:build linux

package lab

import (
	"fmt"
	"os"
	"strings"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/lab/talosnode"
)

// Preflight checks what a lab of the runtime needs from this machine and
// names everything missing: root, /dev/net/tun, and for Talos nodes
// cgroup v2 and overlayfs (containerd's snapshotter).
func Preflight(rt Runtime) error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (network namespaces, mounts, TUN devices): run it with sudo")
	}
	if _, err := os.Stat(tailscaleext.TUN); err != nil {
		missing = append(missing, "/dev/net/tun (the tun kernel module)")
	}
	if rt == RuntimeTalos || rt == "" {
		if _, err := talosnode.CgroupRoot(); err != nil {
			missing = append(missing, "a cgroup v2 hierarchy (unified or hybrid)")
		}
		fs, err := os.ReadFile("/proc/filesystems")
		if err != nil || !strings.Contains(string(fs), "\toverlay\n") {
			missing = append(missing, "overlayfs (the overlay kernel module; containerd needs it)")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the lab cannot run here; missing: %s", strings.Join(missing, "; "))
	}
	return nil
}
