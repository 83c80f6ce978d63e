package rules

var _ = register(&Rule{
	ID:       "TS111",
	Title:    "KubeSpan enabled in cluster-network mode",
	Severity: Warning,
	Topic:    TopicKubeSpan,
	Why: "When the tailnet is the cluster network, Tailscale already provides an encrypted mesh between nodes; " +
		"KubeSpan adds a second WireGuard layer over it (tunnel-in-tunnel), halving the usable MTU headroom and " +
		"doubling encryption cost, and its routes compete with Tailscale's.",
	Sources: []string{
		"siderolabs/talos#14176 (nested encapsulation: double encryption, about 80 bytes per layer, MTU failures)",
		"tailscale/tailscale v1.96.5 net/tstun/mtu.go (tailscale0 MTU 1280); siderolabs/talos v1.14.1 pkg/machinery/config/types/network/kubespan.go (KubeSpan MTU 1420)",
	},
	Fix: "Disable KubeSpan (machine.network.kubespan.enabled: false, or KubeSpanConfig enabled: false).",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || !c.KubeSpan.Enabled || c.Mode != ModeClusterNetwork {
			return nil
		}
		edit := SetField(DocV1Alpha1, "machine.network.kubespan.enabled", false, false)
		if c.KubeSpan.MultiDoc {
			edit = SetField(DocRef{Kind: "KubeSpanConfig"}, "enabled", false, false)
		}
		return []Result{{
			Message: "KubeSpan is enabled although the tailnet carries cluster traffic: WireGuard runs inside WireGuard",
			At:      c.KubeSpan.At,
			Edits:   []Edit{edit},
		}}
	},
})
