package rules

var _ = register(&Rule{
	ID:       "TS052",
	Title:    "tailscale0 is configured as a Talos network link",
	Severity: Error,
	Topic:    TopicNodeIP,
	Why: "tailscale0 is a TUN device that tailscaled creates and addresses itself. Declaring it in " +
		"machine.network.interfaces (or a LinkConfig) makes Talos's network controllers manage it too: DHCP on a " +
		"link that has no DHCP server, static addresses or routes that fight tailscaled's, and an interface Talos " +
		"waits for before tailscaled exists.",
	Sources: []string{
		"lint/testdata/realworld/INDEX.md entry 18 (interface: tailscale0 with dhcp: true)",
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (TS_USERSPACE=false: kernel TUN on the host network)",
		"siderolabs/talos v1.14.1 internal/integration/api/extensions_qemu.go TestExtensionsTailscale (tailscale0 is a tun link on the host)",
	},
	Fix: "Remove tailscale0 from machine.network.interfaces / LinkConfig; select the tailnet with validSubnets and " +
		"advertisedSubnets instead.",
	Check: func(c *Config) []Result {
		if c.TailscaleLink == nil {
			return nil
		}
		return []Result{{
			Message: "the config declares tailscale0, the link tailscaled creates and manages",
			At:      *c.TailscaleLink,
		}}
	},
})
