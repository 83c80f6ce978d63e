package rules

import (
	"fmt"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS137",
	Title:    "environment variable that no part of Tailscale reads",
	Severity: Warning,
	Topic:    TopicFlags,
	Why: "containerboot turns a fixed set of TS_* variables into tailscaled and `tailscale up` arguments; " +
		"tailscaled reads a few more knobs (TS_DEBUG_MTU, PORT). Anything else is silently ignored: " +
		"TS_ACCEPT_ROUTES=true or TS_ADVERTISE_EXIT_NODE=true look like settings but change nothing, so the " +
		"node runs without the routes or exit node its owner believes it has. The names are checked against the " +
		"sources of the Tailscale release the extension of the target Talos version bundles (any kept release " +
		"when the version is unknown).",
	Sources: []string{
		"tailscale/tailscale v1.96.5 and v1.102.3 cmd/containerboot/settings.go configFromEnv (the variables containerboot reads)",
		"tailscale/tailscale v1.96.5 and v1.102.3 envknob/envknob.go and cmd/tailscaled/tailscaled.go (TS_* knobs, PORT)",
		"facts/containerboot/gen.sh (the kept lists, generated from those module sources)",
	},
	Fix: "Use the variable or flag the message names (flags go in TS_EXTRA_ARGS, e.g. " +
		"TS_EXTRA_ARGS=--accept-routes --advertise-exit-node), or remove the entry.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		v := BundledTailscale(c)
		var out []Result
		seen := map[string]bool{}
		for _, e := range c.Tailscale.Env {
			k := e.Key
			if !strings.HasPrefix(k, "TS_") && !strings.HasPrefix(k, "TAILSCALE_") || seen[k] || k == "TS_BOOT_TIMEOUT" || envKnown(v, k) {
				continue // TS_BOOT_TIMEOUT: TS138 knows which releases read it
			}
			seen[k] = true
			msg := fmt.Sprintf("%s is not read by containerboot or tailscaled", k)
			if v != "" {
				msg = fmt.Sprintf("%s is not read by containerboot or tailscaled %s", k, v)
			}
			if n := NearestEnv(v, k); n != "" {
				msg += "; use " + n
			}
			out = append(out, Result{Message: msg + ": the setting is silently ignored", At: AtEnv(k)})
		}
		return out
	},
})
