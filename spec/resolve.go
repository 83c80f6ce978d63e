package spec

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/tailos/tailos/facts/tailnetip"
	"github.com/tailos/tailos/talosconf"
)

// matches reports whether a selector list (node names or roles) picks n.
func matches(on []string, n Node) bool {
	for _, s := range on {
		if s == "all" || s == n.Name || s == n.Role || (s == "controlplane" && n.Role == "control-plane") {
			return true
		}
	}
	return false
}

// Hostname is n's tailnet hostname from the pattern or its override.
func (s *Spec) Hostname(n Node) string {
	if n.Hostname != "" {
		return n.Hostname
	}
	r := strings.NewReplacer("{node}", n.Name, "{cluster}", s.Cluster.Name)
	return r.Replace(s.Tailnet.Hostname)
}

// MagicDNSName is n's fully qualified tailnet name, when the domain is known.
func (s *Spec) MagicDNSName(n Node) string {
	if s.Tailnet.Domain == "" {
		return ""
	}
	return strings.ToLower(s.Hostname(n)) + "." + s.Tailnet.Domain
}

// Routes are the prefixes n advertises as a subnet router, in spec order.
func (s *Spec) Routes(n Node) []netip.Prefix {
	if !matches(s.Tailnet.Routes.On, n) {
		return nil
	}
	var out []netip.Prefix
	add := func(cidrs ...string) {
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	for _, r := range s.Tailnet.Routes.Advertise {
		switch r {
		case "pods":
			add(s.Cluster.PodSubnets...)
		case "services":
			add(s.Cluster.ServiceSubnets...)
		default:
			add(r)
		}
	}
	return out
}

// AllRoutes are every prefix advertised by any node, for the policy.
func (s *Spec) AllRoutes() []netip.Prefix {
	var out []netip.Prefix
	for _, n := range s.Nodes {
		for _, p := range s.Routes(n) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// IsExitNode reports whether n offers itself as an exit node.
func (s *Spec) IsExitNode(n Node) bool { return matches(s.Tailnet.ExitNode.On, n) }

// Tags are n's tags: its override or the tailnet's.
func (s *Spec) Tags(n Node) []string {
	if len(n.Tags) > 0 {
		return n.Tags
	}
	return s.Tailnet.Tags
}

// Port is n's tailscaled UDP port.
func (s *Spec) Port(n Node) int {
	if n.Port != 0 {
		return n.Port
	}
	return s.Tailnet.Port
}

// MTUFor is n's MTU request and the underlay it is judged against.
func (s *Spec) MTUFor(n Node) (m MTU, underlay, family int) {
	m = n.MTU
	if !m.IsSet() {
		m = s.Tailnet.MTU
	}
	underlay = n.UnderlayMTU
	if underlay == 0 {
		underlay = s.Cluster.UnderlayMTU
	}
	return m, underlay, s.Cluster.UnderlayFamily
}

// PinnedSubnets are the networks kubelet and etcd must be pinned to:
// the LAN in management mode, the tailnet in cluster-network mode.
func (s *Spec) PinnedSubnets() []string {
	if s.Cluster.Mode == ModeClusterNetwork {
		return []string{tailnetip.IPv4.String()}
	}
	return slices.Clone(s.Cluster.LANSubnets)
}

// TailnetIPv6 reports whether tailscale0 must keep IPv6 (its MTU ≥ 1280).
func (s *Spec) TailnetIPv6() bool { return s.Tailnet.IPv6 == nil || *s.Tailnet.IPv6 }

// CGNATLANs are the LAN subnets inside 100.64.0.0/10. tailscaled drops
// traffic from that range on other interfaces unless the tailnet policy
// grants the node attribute disable-linux-cgnat-drop-rule (Tailscale ≥ 1.98).
func (s *Spec) CGNATLANs() []string {
	var out []string
	for _, c := range s.Cluster.LANSubnets {
		if p, err := netip.ParsePrefix(c); err == nil && cgnatLAN(p) {
			out = append(out, c)
		}
	}
	return out
}

// ShapeVersion is the Talos version whose `talosctl gen config` made the
// nodes' machine configs: createdWith, v1.13 for legacyConfig, else the
// target talosVersion (a new cluster).
func (s *Spec) ShapeVersion() string {
	switch {
	case s.Cluster.CreatedWith != "":
		return s.Cluster.CreatedWith
	case s.Cluster.LegacyConfig:
		return talosconf.LegacyShapeVersion(s.Cluster.TalosVersion)
	}
	return s.Cluster.TalosVersion
}

// Shape is the shape patches for the spec's cluster take when no config of
// it is given (--base): that of ShapeVersion within what talosVersion has.
func (s *Spec) Shape() (talosconf.Shape, error) {
	created, err := talosconf.ShapeOfVersion(s.ShapeVersion())
	if err != nil {
		return talosconf.Shape{}, err
	}
	target, err := talosconf.ShapeOfVersion(s.Cluster.TalosVersion)
	if err != nil {
		return talosconf.Shape{}, err
	}
	return created.And(target), nil
}
