package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS110",
	Title:    "KubeSpan advertises the tailnet address as a WireGuard endpoint",
	Severity: Warning,
	Topic:    TopicKubeSpan,
	Why: "KubeSpan advertises every node address as a candidate endpoint unless filters.endpoints says otherwise, " +
		"so peers learn the 100.64.x tailnet address and may run KubeSpan's WireGuard through Tailscale's: double " +
		"encapsulation (~80 bytes per layer) breaks full-size packets while handshakes keep working, and peers flap " +
		"when ext-tailscale restarts.",
	Sources: []string{
		"siderolabs/talos v1.14.1 pkg/machinery/config/types/network/kubespan.go (filters.endpoints: \"By default, all addresses are advertised\")",
		"siderolabs/talos#14176 (KubeSpan peer endpoint filters against WireGuard-in-WireGuard)",
	},
	Fix: "Add KubeSpan endpoint filters excluding the tailnet: filters.endpoints [0.0.0.0/0, !100.64.0.0/10, ::/0, " +
		"!fd7a:115c:a1e0::/48].",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || !c.KubeSpan.Enabled || c.Mode != ModeManagement {
			return nil
		}
		if !parseFilter(c.KubeSpan.Endpoints).admits(tailnetip.IPv4) {
			return nil
		}
		vals := exclusionValues(c.KubeSpan.Endpoints, true)
		edit := SetField(DocV1Alpha1, "machine.network.kubespan.filters.endpoints", vals, false)
		if c.KubeSpan.MultiDoc {
			edit = SetField(DocRef{Kind: "KubeSpanConfig"}, "filters.endpoints", vals, false)
		}
		return []Result{{
			Message: fmt.Sprintf("KubeSpan is enabled with endpoint filters %v, which admit 100.64.0.0/10", c.KubeSpan.Endpoints),
			At:      c.KubeSpan.At,
			Edits:   []Edit{edit},
		}}
	},
})
