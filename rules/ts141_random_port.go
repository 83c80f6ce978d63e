package rules

var _ = register(&Rule{
	ID:       "TS141",
	Title:    "tailscaled listens on a random UDP port",
	Severity: Info,
	Topic:    TopicPort,
	Why: "Tailscale's 41641 default comes from its systemd packaging; containerboot starts tailscaled without --port, " +
		"so on Talos it picks a random UDP port at every start. Firewall or NAT rules that allow direct connections " +
		"cannot name it, and peers fall back to DERP relays.",
	Sources: []string{"tailscale/tailscale v1.96.5 cmd/tailscaled/tailscaled.go defaultPort (PORT, otherwise a random port); cmd/tailscaled/tailscaled.defaults (41641 comes from the systemd packaging)"},
	Fix:     "Set PORT=41641 in the ExtensionServiceConfig environment and allow UDP 41641 in front of the node.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		if port, _ := tailscalePort(t); port != "" {
			return nil
		}
		return []Result{{
			Message: "no PORT or --port: tailscaled picks a random UDP port on every start",
			At:      Loc{Doc: DocTailscaleESC},
			Edits:   []Edit{SetEnv("PORT", "41641")},
		}}
	},
})
