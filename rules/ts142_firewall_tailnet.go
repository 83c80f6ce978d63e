package rules

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/tailos/tailos/facts/tailnetip"
)

// talosAPIPort and kubeAPIPort are apid's and the Kubernetes API server's
// ports.
const (
	talosAPIPort = 50000
	kubeAPIPort  = 6443
)

var _ = register(&Rule{
	ID:       "TS142",
	Title:    "Talos ingress firewall blocks the tailnet",
	Severity: Warning,
	Topic:    TopicPort,
	Why: "With NetworkDefaultActionConfig ingress: block, Talos's nftables chain admits only loopback, established " +
		"traffic, ICMP, the pod and service CIDRs and what NetworkRuleConfig documents allow. Those rules match a " +
		"source subnet and a port, never an interface, and tailscale0 gets no exemption: unless a rule admits " +
		"100.64.0.0/10 and fd7a:115c:a1e0::/48 to apid (50000) and the API server (6443), talosctl and kubectl over " +
		"the tailnet time out — the access the extension was installed for. Inbound direct WireGuard needs the " +
		"fixed UDP PORT admitted too, or peers relay through DERP.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/network/nftables_chain_config.go (block mode: no interface match, no tailscale0 exemption)",
		"siderolabs/talos v1.14.1 pkg/machinery/config/types/network/rule_config.go (NetworkRuleConfig: portSelector, ingress subnets)",
		"../shared/research/field-2026-12.md §1 (ingress firewall)",
	},
	Fix: "Add a NetworkRuleConfig admitting 100.64.0.0/10 and fd7a:115c:a1e0::/48 to TCP 50000 (and 6443 on control " +
		"planes), and one admitting UDP on the fixed PORT from anywhere (ingress: [{subnet: 0.0.0.0/0}, {subnet: ::/0}]).",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || !c.Firewall.Block {
			return nil
		}
		var out []Result
		ports := []int{talosAPIPort}
		if c.Role != "worker" {
			ports = append(ports, kubeAPIPort)
		}
		for _, port := range ports {
			for _, src := range []netip.Prefix{tailnetip.IPv4, tailnetip.IPv6} {
				if !c.Firewall.Admits("tcp", src, uint16(port)) {
					out = append(out, Result{
						Message: fmt.Sprintf("ingress is blocked and no NetworkRuleConfig admits %s to TCP %d: %s over the tailnet is dropped", src, port, portUser(port)),
						At:      c.Firewall.At,
					})
				}
			}
		}
		if p, _ := tailscalePort(c.Tailscale); p != "" {
			if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 &&
				!c.Firewall.Admits("udp", netip.MustParsePrefix("0.0.0.0/0"), uint16(n)) {
				out = append(out, Result{
					Severity: sev(Info),
					Message:  fmt.Sprintf("ingress is blocked and UDP %d (PORT) is not admitted from everywhere: peers cannot connect directly and relay through DERP", n),
					At:       c.Firewall.At,
				})
			}
		}
		return out
	},
})

func portUser(port int) string {
	if port == kubeAPIPort {
		return "kubectl"
	}
	return "talosctl"
}
