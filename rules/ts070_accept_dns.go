package rules

var _ = register(&Rule{
	ID:       "TS070",
	Title:    "accept-dns is on",
	Severity: Warning,
	Topic:    TopicDNS,
	Why: "With --accept-dns tailscaled tries to take over the host resolver with MagicDNS. On Talos the extension " +
		"cannot write /etc/resolv.conf (read-only root, no /etc mount), so at best it fails with " +
		"\"Failed to set system DNS configuration\"; where it works it shadows *.svc.cluster.local and the host's " +
		"upstream resolvers, and DNS dies whenever ext-tailscale stops (upgrades stop extension services).",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/settings.go parseAcceptDNS (TS_ACCEPT_DNS; --accept-dns in TS_EXTRA_ARGS overrides it since 1.84.2, tailscale/tailscale#16129)",
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (read-only root, /etc not mounted: resolv.conf cannot be rewritten); siderolabs/extensions#154 (dropped TS_ACCEPT_DNS=true); siderolabs/talos#7287",
	},
	Fix: "Set TS_ACCEPT_DNS=false (or remove it) and drop --accept-dns from TS_EXTRA_ARGS. For MagicDNS names on the " +
		"host, add a ResolverConfig/CoreDNS forward of ts.net instead.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		args := t.ExtraArgs()
		if on, set := args.Bool("accept-dns"); set {
			if !on {
				return nil
			}
			return []Result{{
				Message: "TS_EXTRA_ARGS passes --accept-dns: tailscaled tries to manage the host's DNS",
				At:      AtEnv("TS_EXTRA_ARGS"),
				Edits:   []Edit{DropFlags("TS_EXTRA_ARGS", "accept-dns"), SetEnv("TS_ACCEPT_DNS", "false")},
			}}
		}
		if v, ok := t.Lookup("TS_ACCEPT_DNS"); ok && parseBool(v) {
			return []Result{{
				Message: "TS_ACCEPT_DNS=" + v + ": tailscaled tries to manage the host's DNS",
				At:      AtEnv("TS_ACCEPT_DNS"),
				Edits:   []Edit{SetEnv("TS_ACCEPT_DNS", "false")},
			}}
		}
		return nil
	},
})
