//go:build linux

package lab

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
)

// AddOutsideHost puts a host outside the tailnet one router hop behind node
// n, as the internet is behind an exit node: p (an IPv4 /29 or larger) is
// split into a link from n to an upstream router namespace (its first /30)
// and a link from that router to the host (its second /30). n routes the
// host's /30 via the upstream router, the host's default route points back
// at it, and nothing else reaches either. A host on a link of n's own would
// not do: Tailscale keeps an exit node's directly connected networks out of
// what it offers. Both namespaces belong to the lab (Down removes them).
// It returns the host's namespace and address.
func (l *Lab) AddOutsideHost(ctx context.Context, n *Node, p netip.Prefix) (string, netip.Addr, error) {
	if !slices.Contains(l.Nodes, n) {
		return "", netip.Addr{}, fmt.Errorf("node %s is not in lab %s", n.Name, l.ID)
	}
	if !p.Addr().Is4() || p.Bits() > 29 {
		return "", netip.Addr{}, fmt.Errorf("outside host prefix %s: want an IPv4 /29 or larger", p)
	}
	p = p.Masked()
	link := netip.PrefixFrom(p.Addr(), 30)
	far := netip.PrefixFrom(link.Addr().Next().Next().Next().Next(), 30)
	l.mu.Lock()
	idx := len(l.namespaces)
	upNS, hostNS := l.nsName(fmt.Sprintf("x%du", idx)), l.nsName(fmt.Sprintf("x%dh", idx))
	l.namespaces = append(l.namespaces, upNS, hostNS)
	l.mu.Unlock()
	// Recorded before they exist, so that down finds them after a crash.
	if err := l.saveState(); err != nil {
		return "", netip.Addr{}, err
	}
	fail := func(err error) (string, netip.Addr, error) {
		return "", netip.Addr{}, fmt.Errorf("outside host behind %s: %w", n.Name, err)
	}
	up, err := addBehind(ctx, n.Netns, upNS, fmt.Sprintf("ex%d", idx), link)
	if err != nil {
		return fail(err)
	}
	host, err := addBehind(ctx, upNS, hostNS, "down0", far)
	if err != nil {
		return fail(err)
	}
	if err := sysctl(upNS, "net.ipv4.ip_forward", "1"); err != nil {
		return fail(err)
	}
	if err := ip(ctx, "-n", n.Netns, "route", "add", far.String(), "via", up.String()); err != nil {
		return fail(err)
	}
	if err := ip(ctx, "-n", hostNS, "route", "add", "default", "via", far.Addr().Next().String()); err != nil {
		return fail(err)
	}
	return hostNS, host, nil
}
