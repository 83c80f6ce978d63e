package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailscaleext"
)

var _ = register(&Rule{
	ID:       "TS131",
	Title:    "environment entry overrides the extension's own TS_SOCKET or TS_USERSPACE",
	Severity: Warning,
	Topic:    TopicFlags,
	Why: "The extension's service spec sets TS_SOCKET=/var/run/tailscale/tailscaled.sock and TS_USERSPACE=false " +
		"(and TS_STATE_DIR, see TS020). Talos appends the ExtensionServiceConfig environment after them; containerd " +
		"keeps both entries and runc keeps the last, so the ExtensionServiceConfig wins. Another TS_SOCKET puts the " +
		"socket outside the /var/run/tailscale mount, where nothing on the host finds it; TS_USERSPACE=true runs " +
		"tailscaled without tailscale0, so the host's own traffic (talosctl, kubelet, etcd) cannot use the tailnet.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/system/services/extension.go (Runner, applyExtensionServiceConfig: append)",
		"containerd pkg/oci/spec_opts.go replaceOrAppendEnvValues (keeps duplicates); runc libcontainer/env.go prepareEnv (last wins)",
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (environment: TS_SOCKET, TS_STATE_DIR, TS_USERSPACE)",
	},
	Fix: "Remove the entry; the extension's value is the right one on Talos (repeating the same value is harmless).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		for _, k := range []string{"TS_SOCKET", "TS_USERSPACE"} { // TS_STATE_DIR: TS020
			def, _ := tailscaleext.EnvDefault(k)
			if v, ok := t.Lookup(k); ok && v != def {
				out = append(out, Result{
					Message: fmt.Sprintf("%s=%s overrides the extension's %s=%s (the ExtensionServiceConfig's entry comes last and wins)", k, v, k, def),
					At:      AtEnv(k),
					Edits:   []Edit{DeleteEnv(k)},
				})
			}
		}
		return out
	},
})
