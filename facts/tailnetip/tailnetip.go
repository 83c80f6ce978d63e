// Package tailnetip holds the addresses Tailscale reserves: the ranges it
// assigns node addresses from and MagicDNS's resolver, taken from
// Tailscale's own tailscale.com/net/tsaddr. It imports nothing of tailos.
package tailnetip

import (
	"net/netip"

	"tailscale.com/net/tsaddr"
)

// Tailscale's reserved addresses.
var (
	// IPv4 is the CGNAT range tailnet IPv4 addresses come from (100.64.0.0/10).
	IPv4 = tsaddr.CGNATRange()
	// IPv6 is Tailscale's ULA range for tailnet IPv6 addresses (fd7a:115c:a1e0::/48).
	IPv6 = tsaddr.TailscaleULARange()
	// Resolver is MagicDNS's resolver, "quad 100" (100.100.100.100).
	Resolver = tsaddr.TailscaleServiceIP()
	// Resolver6 is MagicDNS's resolver over IPv6 (fd7a:115c:a1e0::53).
	Resolver6 = tsaddr.TailscaleServiceIPv6()
	// Via is the IPv6 range of 4via6 routes (fd7a:115c:a1e0:b1a::/64).
	Via = tsaddr.TailscaleViaRange()
)

// Contains reports whether a is in either tailnet range.
func Contains(a netip.Addr) bool { return IPv4.Contains(a.Unmap()) || IPv6.Contains(a) }

// IsResolver reports whether a is MagicDNS's resolver address.
func IsResolver(a netip.Addr) bool {
	a = a.Unmap()
	return a == Resolver || a == Resolver6
}

// EndpointFilters exclude the tailnet from KubeSpan's endpoints (Talos
// machine.network.kubespan.filters.endpoints): every address but the
// tailnet's, so KubeSpan never tunnels through Tailscale.
func EndpointFilters() []string {
	return []string{"0.0.0.0/0", "!" + IPv4.String(), "::/0", "!" + IPv6.String()}
}
