package rules

import (
	"fmt"
	"net/netip"

	"github.com/tailos/tailos/facts/tailnetip"
)

// LANInCGNAT returns the node's static LAN addresses inside 100.64.0.0/10,
// the range Tailscale assigns tailnet addresses from.
func LANInCGNAT(c *Config) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range c.Addresses {
		if tailnetip.IPv4.Contains(a.Addr()) {
			out = append(out, a)
		}
	}
	return out
}

// cgnatLANs are the CGNAT-space networks the node's LAN is known to use:
// its static addresses there and, in management mode, the kubelet and etcd
// pins that lie strictly inside 100.64.0.0/10 (a /16 or narrower is a LAN
// numbering, not the tailnet).
func cgnatLANs(c *Config) []netip.Prefix {
	out := LANInCGNAT(c)
	if c.Mode != ModeManagement {
		return out
	}
	for _, s := range []Subnets{c.NodeIP, c.Etcd} {
		if p, ok := cgnatPin(s.Values); ok {
			out = append(out, p)
		}
	}
	return out
}

// NarrowCGNATPin reports whether kubelet or etcd are pinned to a network
// that only a CGNAT-numbered LAN explains: every entry a /16 or narrower
// inside 100.64.0.0/10, on a node not logging in to a Headscale server
// (whose tailnet prefix can be that narrow).
func NarrowCGNATPin(c *Config) bool {
	if c.Tailscale != nil {
		if f, ok := c.Tailscale.ExtraArgs().Find("login-server"); ok && f.Value != "" {
			return false
		}
	}
	_, n := cgnatPin(c.NodeIP.Values)
	_, e := cgnatPin(c.Etcd.Values)
	return n || e
}

// cgnatPin reports whether every positive entry of a subnet list is a
// narrow network inside 100.64.0.0/10, and returns the first.
func cgnatPin(values []string) (netip.Prefix, bool) {
	f := parseFilter(values)
	if len(f.pos) == 0 {
		return netip.Prefix{}, false
	}
	for _, p := range f.pos {
		if !p.Addr().Is4() || p.Bits() < 16 || !tailnetip.IPv4.Contains(p.Addr()) {
			return netip.Prefix{}, false
		}
	}
	return f.pos[0], true
}

var _ = register(&Rule{
	ID:       "TS056",
	Title:    "the node's LAN is inside 100.64.0.0/10 (CGNAT space)",
	Severity: Warning,
	Topic:    TopicNodeIP,
	Why: "Some providers and homelabs number the physical network from CGNAT space. tailscaled installs a netfilter " +
		"rule that drops packets from 100.64.0.0/10 arriving on any interface but tailscale0 (spoofing " +
		"protection), so LAN peers in that range — other nodes, etcd, the kubelet's clients — are cut off once " +
		"Tailscale starts. Since Tailscale 1.98 the tailnet policy can grant the node attribute " +
		"disable-linux-cgnat-drop-rule, which turns that drop into a return. Filters written against " +
		"100.64.0.0/10 (kubelet validSubnets, KubeSpan endpoints) also cannot tell such a LAN from the tailnet.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 util/linuxfw/iptables_runner.go AddBase (ts-input: ! -i tailscale0 -s 100.64.0.0/10 -j DROP)",
		"tailscale/tailscale v1.102.3 tailcfg/nodecap/nodecap.go NodeAttrDisableLinuxCGNATDropRule and wgengine/router/osrouter/router_linux.go (6301a6ce4, since 1.98)",
		"../shared/research/field-2026-12.md §2 (the disable-linux-cgnat-drop-rule node attribute)",
	},
	Fix: "Grant the nodes the disable-linux-cgnat-drop-rule attribute in the tailnet policy " +
		"(\"nodeAttrs\": [{\"target\": [\"tag:talos\"], \"attr\": [\"disable-linux-cgnat-drop-rule\"]}]; `tailos gen` emits it " +
		"when the spec's LAN is in that range) and run Talos ≥ 1.14 (Tailscale ≥ 1.98); pin kubelet and etcd to the " +
		"exact LAN prefix, never to 100.64.0.0/10.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil {
			return nil
		}
		lan := cgnatLANs(c)
		if len(lan) == 0 {
			return nil
		}
		if mode, _ := c.Tailscale.ExtraArgs().Find("netfilter-mode"); mode.Value == "off" {
			return nil // no tailscale netfilter rules, no drop
		}
		msg := fmt.Sprintf("the node's LAN %s is in 100.64.0.0/10: tailscaled drops LAN traffic from that range unless the tailnet policy grants disable-linux-cgnat-drop-rule (Tailscale ≥ 1.98)", lan[0])
		if c.TalosVersion != "" && c.TalosBefore(1, 14) {
			return []Result{{
				Severity: sev(Error),
				Message:  fmt.Sprintf("the node's LAN %s is in 100.64.0.0/10 and the Talos %s extension bundles Tailscale %s, older than the disable-linux-cgnat-drop-rule attribute (1.98): tailscaled drops LAN traffic from that range", lan[0], c.TalosVersion, BundledTailscale(c)),
				At:       Loc{Doc: DocTailscaleESC},
			}}
		}
		return []Result{{Message: msg, At: Loc{Doc: DocTailscaleESC}}}
	},
})
