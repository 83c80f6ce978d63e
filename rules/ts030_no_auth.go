package rules

var _ = register(&Rule{
	ID:       "TS030",
	Title:    "no authentication in the tailscale ExtensionServiceConfig",
	Severity: Error,
	Topic:    TopicAuthKey,
	Why: "Without TS_AUTHKEY (or TS_CLIENT_ID/TS_CLIENT_SECRET) containerboot runs `tailscale up` with no key: " +
		"tailscaled prints a login URL into `talosctl logs ext-tailscale` that nobody visits, the 60 s boot " +
		"timeout expires and Talos restarts the service forever. An empty `TS_AUTHKEY=` is the same.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go configFromEnv (TS_AUTHKEY, TS_CLIENT_ID)",
		"tailscale/tailscale v1.96.5 cmd/containerboot/main.go (60 s boot timeout waiting for Running)",
		"lint/testdata/realworld/INDEX.md trap 3 (entries 13, 15, 16, 19)",
	},
	Fix: "Add TS_AUTHKEY=<key> (a reusable or per-node, pre-approved, tagged auth key) or an OAuth client secret " +
		"`tskey-client-…?ephemeral=false&preauthorized=true` with --advertise-tags; keep the value out of version " +
		"control (file: reference, SOPS, or a templating variable).",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		if _, _, ok := t.AuthKey(); ok {
			return nil
		}
		for _, k := range []string{"TS_CLIENT_ID", "TS_CLIENT_SECRET", "TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR"} {
			if t.Get(k) != "" {
				return nil
			}
		}
		for _, k := range []string{"TS_AUTHKEY", "TS_AUTH_KEY"} {
			if _, ok := t.Lookup(k); ok {
				return []Result{{Message: k + " is empty: the node cannot log in", At: AtEnv(k)}}
			}
		}
		return []Result{{
			Message: "the tailscale ExtensionServiceConfig has no TS_AUTHKEY or OAuth client: the node cannot log in",
			At:      Loc{Doc: DocTailscaleESC},
		}}
	},
})
