//go:build linux

package lab

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
)

// Underlay addressing: one /24 of 198.18.0.0/15 on the lab bridge.
var (
	underlayNet   = netip.MustParsePrefix("198.18.0.0/24")
	headscaleAddr = netip.MustParseAddr("198.18.0.1")
)

// nodeAddr is the underlay address of node i (0-based): 198.18.0.11, .12, ...
func nodeAddr(i int) netip.Addr {
	a := underlayNet.Addr().As4()
	a[3] = byte(11 + i)
	return netip.AddrFrom4(a)
}

// plug connects namespace ns to the bridge namespace with a veth pair:
// port in the bridge namespace, "eth0" carrying addr in ns. Both ends and
// the bridge get the underlay MTU.
func plug(ctx context.Context, brNS, port, ns string, addr netip.Prefix, mtu int) error {
	m := strconv.Itoa(mtu)
	steps := [][]string{
		{"-n", brNS, "link", "add", port, "mtu", m, "type", "veth", "peer", "name", "eth0", "mtu", m, "netns", ns},
		{"-n", brNS, "link", "set", port, "master", "br0", "up"},
		{"-n", ns, "addr", "add", addr.String(), "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
	}
	for _, s := range steps {
		if err := ip(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

// addBridge creates br0 in the bridge namespace.
func addBridge(ctx context.Context, brNS string, mtu int) error {
	if err := ip(ctx, "-n", brNS, "link", "add", "br0", "mtu", strconv.Itoa(mtu), "type", "bridge"); err != nil {
		return err
	}
	return ip(ctx, "-n", brNS, "link", "set", "br0", "up")
}

// addBehind creates a namespace standing for what a subnet router serves
// (a pod, a service): a veth from the router's namespace whose router end
// holds the prefix's first address and whose far end holds the second.
// It returns the far address.
func addBehind(ctx context.Context, routerNS, ns, dev string, p netip.Prefix) (netip.Addr, error) {
	if !p.Addr().Is4() || p.Bits() > 30 {
		return netip.Addr{}, fmt.Errorf("route %s: the lab stands up IPv4 prefixes of /30 or larger only", p)
	}
	gw := p.Masked().Addr().Next()
	host := gw.Next()
	if err := addNetns(ctx, ns); err != nil {
		return netip.Addr{}, err
	}
	steps := [][]string{
		{"-n", routerNS, "link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"-n", routerNS, "addr", "add", netip.PrefixFrom(gw, p.Bits()).String(), "dev", dev},
		{"-n", routerNS, "link", "set", dev, "up"},
		{"-n", ns, "addr", "add", netip.PrefixFrom(host, p.Bits()).String(), "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
	}
	for _, s := range steps {
		if err := ip(ctx, s...); err != nil {
			return netip.Addr{}, err
		}
	}
	return host, nil
}
