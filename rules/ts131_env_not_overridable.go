package rules

import "fmt"

// extensionEnv is the environment the extension's service spec sets.
var extensionEnv = map[string]string{
	"TS_STATE_DIR": "/var/lib/tailscale",
	"TS_SOCKET":    "/var/run/tailscale/tailscaled.sock",
	"TS_USERSPACE": "false",
}

var _ = register(&Rule{
	ID:       "TS131",
	Title:    "environment entry cannot override the extension's own",
	Severity: Warning,
	Topic:    TopicFlags,
	Why: "The extension's service spec sets TS_STATE_DIR=/var/lib/tailscale, TS_SOCKET=/var/run/tailscale/tailscaled.sock " +
		"and TS_USERSPACE=false. Talos appends the ExtensionServiceConfig environment after them and the first " +
		"occurrence wins, so these entries are ignored — and if they did apply, they would move state off the " +
		"persisted mount, hide the socket from the host, or switch to userspace networking without tailscale0.",
	Sources: []string{
		"research/talos.md §3.2 \"Environment precedence\" (services/extension.go Runner; replaceOrAppendEnvValues)",
		"research/anchors.md §0 (tailscale.yaml environment)",
	},
	Fix: "Remove the entry; the extension's value is the right one on Talos (repeating the same value is harmless).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		for _, k := range []string{"TS_STATE_DIR", "TS_SOCKET", "TS_USERSPACE"} {
			if v, ok := t.Lookup(k); ok && v != extensionEnv[k] {
				out = append(out, Result{
					Message: fmt.Sprintf("%s=%s is ignored: the extension's own %s=%s comes first in the container's environment and wins", k, v, k, extensionEnv[k]),
					At:      AtEnv(k),
					Edits:   []Edit{DeleteEnv(k)},
				})
			}
		}
		return out
	},
})
