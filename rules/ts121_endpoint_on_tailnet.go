package rules

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS121",
	Title:    "cluster endpoint on the tailnet",
	Severity: Warning,
	Topic:    TopicCertSANs,
	Why: "cluster.controlPlane.endpoint is where every kubelet, kube-proxy, the scheduler and `talosctl bootstrap` " +
		"reach the Kubernetes API. Pointed at a MagicDNS name (node.tail1234.ts.net) or a tailnet address, the " +
		"whole cluster depends on ext-tailscale being up and logged in: a node whose auth key expired, a DERP " +
		"outage or a tailscaled restart takes its kubelet off the API, and a fresh cluster cannot bootstrap before " +
		"Tailscale has joined. In cluster-network mode this is the design; in management mode it is an accident.",
	Sources: []string{
		"siderolabs/talos v1.14.1 website/content/v1.14/introduction/prodnotes.md (the control plane endpoint must be reachable by all nodes before bootstrap)",
		"../shared/research/talos.md (management vs cluster-network mode); DESIGN.md (the management mode keeps cluster traffic on the LAN)",
	},
	Fix: "Use a LAN address, a load balancer or a DNS name that resolves to the control planes' LAN addresses (or " +
		"KubePrism's localhost:7445 for in-cluster clients); keep the tailnet name in certSANs for remote kubectl.",
	Check: func(c *Config) []Result {
		ep := c.ClusterEndpoint
		if ep == "" || Unresolved(ep) {
			return nil
		}
		u, err := url.Parse(ep)
		if err != nil {
			return nil
		}
		host := u.Hostname()
		onTailnet := strings.HasSuffix(strings.ToLower(host), ".ts.net")
		if c.TailnetDomain != "" && strings.HasSuffix(host, "."+c.TailnetDomain) {
			onTailnet = true
		}
		if a, err := netip.ParseAddr(host); err == nil && (tailnetip.IPv4.Contains(a) || tailnetip.IPv6.Contains(a)) {
			onTailnet = !lanContains(c, a)
		}
		if !onTailnet {
			return nil
		}
		res := Result{
			Message: fmt.Sprintf("the cluster endpoint %s is on the tailnet: bootstrap and every kubelet depend on tailscaled being up", ep),
			At:      c.ClusterEndpointAt,
		}
		if c.Mode == ModeClusterNetwork {
			res.Severity = sev(Info)
			res.Message += " (expected in cluster-network mode; keep a LAN path for recovery)"
		}
		return []Result{res}
	},
})

// lanContains reports whether a is on one of the node's CGNAT-space LANs.
func lanContains(c *Config, a netip.Addr) bool {
	for _, p := range cgnatLANs(c) {
		if p.Masked().Contains(a) {
			return true
		}
	}
	return false
}
