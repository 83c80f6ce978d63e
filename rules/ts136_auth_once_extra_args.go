package rules

import "strings"

var _ = register(&Rule{
	ID:       "TS136",
	Title:    "TS_EXTRA_ARGS changes are not applied after the first login with TS_AUTH_ONCE=true",
	Severity: Info,
	Topic:    TopicFlags,
	Why: "With TS_AUTH_ONCE=true containerboot runs `tailscale up` (with TS_EXTRA_ARGS) only when the node needs a " +
		"login; afterwards it runs `tailscale set` with only --accept-dns, --advertise-routes and --hostname. Later " +
		"edits to flags in TS_EXTRA_ARGS (tags, --accept-routes, --advertise-exit-node, --login-server) silently do " +
		"nothing on nodes already logged in.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/main.go (TS_AUTH_ONCE)",
		"tailscale/tailscale v1.96.5 cmd/containerboot/tailscaled.go tailscaleSet (after the first login only --accept-dns, --advertise-routes and --hostname are applied)",
		"wcygan/homelab docs/talos-linux/tailscale-integration.md (\"TS_AUTH_ONCE=true: Preserves state across restarts but ignores TS_EXTRA_ARGS\")",
	},
	Fix: "Prefer TS_ROUTES and TS_HOSTNAME; to change other flags on a running node, run `tailscale set` through " +
		"the node or re-login (delete the device, or add --reset once).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil || !parseBool(t.Get("TS_AUTH_ONCE")) {
			return nil
		}
		var names []string
		for _, f := range t.ExtraArgs() {
			switch f.Name {
			case "auth-key", "accept-dns", "reset":
				continue
			}
			names = append(names, "--"+f.Name)
		}
		if len(names) == 0 {
			return nil
		}
		return []Result{{
			Message: "with TS_AUTH_ONCE=true, " + strings.Join(names, " ") + " in TS_EXTRA_ARGS apply only at the first login",
			At:      AtEnv("TS_EXTRA_ARGS"),
		}}
	},
})
