//go:build linux

package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tailos/tailos/internal/netns"
)

// NetnsPath is the bind-mounted handle of a named network namespace.
func NetnsPath(name string) string { return netns.Path(name) }

// ip runs the iproute2 `ip` command; its stderr is part of the error.
func ip(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// addNetns creates a named network namespace with loopback up.
func addNetns(ctx context.Context, name string) error {
	if err := ip(ctx, "netns", "add", name); err != nil {
		return err
	}
	return ip(ctx, "-n", name, "link", "set", "lo", "up")
}

// delNetns removes a named network namespace; a missing one is not an error.
func delNetns(ctx context.Context, name string) error {
	if _, err := os.Stat(NetnsPath(name)); os.IsNotExist(err) {
		return nil
	}
	return ip(ctx, "netns", "delete", name)
}

// sysctl writes a sysctl inside a namespace.
func sysctl(ns, key, value string) error {
	return InNetns(ns, func() error {
		p := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
		// /proc/sys/net reflects the namespace of the opening thread.
		if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s in %s: %w", key, value, ns, err)
		}
		return nil
	})
}

// InNetns runs fn on an OS thread switched into the named network namespace.
// Sockets fn opens stay in that namespace after it returns. If the thread
// cannot be switched back, it is discarded rather than reused.
func InNetns(name string, fn func() error) error {
	return netns.Do(NetnsPath(name), fn)
}
