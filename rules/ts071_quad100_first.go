package rules

import (
	"net/netip"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS071",
	Title:    "MagicDNS resolver (100.100.100.100 or fd7a:115c:a1e0::53) is the node's first nameserver",
	Severity: Warning,
	Topic:    TopicDNS,
	Why: "100.100.100.100 and its IPv6 twin fd7a:115c:a1e0::53 only answer inside a running tailscaled. As the first host nameserver it is dead during " +
		"boot (before ext-tailscale is up: image pulls and time sync need DNS), during upgrades and whenever the " +
		"node is logged out, and Talos's host DNS forwards pod queries to it too.",
	Sources: []string{
		"lint/testdata/realworld/INDEX.md trap 7 (entries 01, 02, 03, 18)",
		"siderolabs/talos#9143 (\"hostDNS incompatibility\" with a tailnet resolver)",
	},
	Fix: "List the LAN or public resolvers first, or forward only ts.net to 100.100.100.100 (CoreDNS stub domain).",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || len(c.Nameservers) == 0 {
			return nil
		}
		if ns, err := netip.ParseAddr(c.Nameservers[0]); err == nil && tailnetip.IsResolver(ns) {
			return []Result{{
				Message: "the first nameserver is " + ns.String() + ", which only answers while tailscaled runs",
				At:      At(DocV1Alpha1, "machine.network.nameservers"),
			}}
		}
		return nil
	},
})
