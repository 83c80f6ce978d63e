package rules

import (
	"fmt"
	"strings"

	"github.com/tailos/tailos/facts/tailscaleext"
)

var _ = register(&Rule{
	ID:       "TS020",
	Title:    "tailscaled state forced to memory or away from /var/lib/tailscale",
	Severity: Error,
	Topic:    TopicStatePersistence,
	Why: "TS_STATE_DIR in the ExtensionServiceConfig, or --state/--statedir in TS_TAILSCALED_EXTRA_ARGS, override " +
		"where tailscaled keeps its node key: Talos appends the ExtensionServiceConfig environment after the " +
		"extension's own TS_STATE_DIR=/var/lib/tailscale and runc keeps the last entry of a duplicated variable. " +
		"The extension bind-mounts only /var/lib/tailscale (on EPHEMERAL, which survives reboots and upgrades) for " +
		"state; its root filesystem is read-only. `mem:` state, or a state directory elsewhere, loses the node key on " +
		"every restart: each boot registers a new device (node-1, node-1-1, …), breaking ACLs, approved routes and " +
		"MagicDNS names, and every boot depends on a still-valid auth key.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/tailscaled/tailscaled.go (--state: \"use 'mem:' to not store state and register as an ephemeral node\")",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/system/services/extension.go (spec environment, then the ExtensionServiceConfig's); containerd pkg/oci/spec_opts.go WithEnv keeps duplicates; runc libcontainer/env.go prepareEnv keeps the last",
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (mounts: only /var/lib/tailscale holds state; read-only root)",
		"tailscale/tailscale#9907, tailscale/tailscale#6241 (a new device on every boot when /var/lib/tailscale does not persist)",
		"lint/testdata/realworld/INDEX.md entry 07",
	},
	Fix: "Remove TS_STATE_DIR (the extension already sets /var/lib/tailscale) and any --state/--statedir from " +
		"TS_TAILSCALED_EXTRA_ARGS. To recover from a stuck node key, delete the device in the admin console and log in " +
		"again rather than discarding state.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		// The ExtensionServiceConfig's entries come after the extension's own
		// and the container runtime keeps the last, so this does move state.
		var out []Result
		if v, ok := t.Lookup("TS_STATE_DIR"); ok && strings.TrimRight(v, "/") != tailscaleext.StateDir {
			out = append(out, Result{
				Message: fmt.Sprintf("TS_STATE_DIR=%s overrides the extension's %s: the node key is lost on restart", v, tailscaleext.StateDir),
				At:      AtEnv("TS_STATE_DIR"),
				Edits:   []Edit{DeleteEnv("TS_STATE_DIR")},
			})
		}
		args := t.TailscaledArgs()
		bad := []string{}
		for _, f := range args {
			switch {
			case f.Name == "state" && (strings.HasPrefix(f.Value, "mem:") || !strings.HasPrefix(f.Value, tailscaleext.StateDir+"/")):
				bad = append(bad, "state")
			case f.Name == "statedir" && strings.TrimRight(f.Value, "/") != tailscaleext.StateDir:
				bad = append(bad, "statedir")
			}
		}
		if len(bad) > 0 {
			out = append(out, Result{
				Message: fmt.Sprintf("TS_TAILSCALED_EXTRA_ARGS sets --%s away from %s: the node key is lost on restart", strings.Join(bad, ", --"), tailscaleext.StateDir),
				At:      AtEnv("TS_TAILSCALED_EXTRA_ARGS"),
				Edits:   []Edit{DropFlags("TS_TAILSCALED_EXTRA_ARGS", "state", "statedir")},
			})
		}
		return out
	},
})
