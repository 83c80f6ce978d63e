package rules

import (
	"net/netip"
	"strings"

	"github.com/tailos/tailos/facts/tailnetip"
)

// subnetFilter is a Talos validSubnets/advertisedSubnets list: an address
// matches when it is in a positive entry and in no "!" entry.
type subnetFilter struct {
	pos, neg []netip.Prefix
}

func parseFilter(values []string) subnetFilter {
	var f subnetFilter
	for _, v := range values {
		neg := strings.HasPrefix(v, "!")
		p, err := parsePrefixOrAddr(strings.TrimPrefix(v, "!"))
		if err != nil {
			continue
		}
		if neg {
			f.neg = append(f.neg, p)
		} else {
			f.pos = append(f.pos, p)
		}
	}
	return f
}

func parsePrefixOrAddr(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func covers(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// admits reports whether some address of r can pass the filter. An empty
// filter is Talos's default (every address of the cluster's families).
func (f subnetFilter) admits(r netip.Prefix) bool {
	if len(f.pos) == 0 && len(f.neg) == 0 {
		return true
	}
	pos := f.pos
	if len(pos) == 0 {
		// Only negations: Talos starts from "everything".
		pos = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	}
	for _, n := range f.neg {
		if covers(n, r) {
			return false
		}
	}
	for _, p := range pos {
		if p.Overlaps(r) {
			return true
		}
	}
	return false
}

// onlyTailnet reports whether every positive entry lies inside the tailnet
// ranges, i.e. the filter pins the tailnet.
func (f subnetFilter) onlyTailnet() bool {
	if len(f.pos) == 0 {
		return false
	}
	for _, p := range f.pos {
		if !covers(tailnetip.IPv4, p) && !covers(tailnetip.IPv6, p) {
			return false
		}
	}
	return true
}

// PinsTailnet reports whether a validSubnets/advertisedSubnets list selects
// only tailnet addresses (the cluster-network mode signature).
func PinsTailnet(values []string) bool { return parseFilter(values).onlyTailnet() }

// lanRisk says how likely a node is to pick its tailnet address when the
// filter admits it. Talos sorts addresses numerically and takes the first:
// a LAN below 100.64.0.0 (10.0.0.0/8) wins anyway, one above (172.16/12,
// 192.168/16) loses to the tailnet address.
type lanRisk int

const (
	riskUnknown lanRisk = iota // no static addresses in the config
	riskLow                    // an admitted LAN IPv4 sorts before 100.64
	riskHigh                   // every admitted LAN IPv4 sorts after
)

func addressRisk(f subnetFilter, addrs []netip.Prefix) (lanRisk, netip.Addr) {
	var lowest netip.Addr
	for _, p := range addrs {
		a := p.Addr()
		if !a.Is4() || tailnetip.IPv4.Contains(a) {
			continue
		}
		if !f.admits(netip.PrefixFrom(a, 32)) {
			continue
		}
		if !lowest.IsValid() || a.Less(lowest) {
			lowest = a
		}
	}
	if !lowest.IsValid() {
		return riskUnknown, lowest
	}
	if lowest.Less(tailnetip.IPv4.Addr()) {
		return riskLow, lowest
	}
	return riskHigh, lowest
}

// exclusionValues are the entries that keep tailnet addresses out of a
// filter: appended to an existing list (negations go last), or with the
// default positives when the list is empty.
func exclusionValues(existing []string, ipv6 bool) []string {
	var out []string
	if len(existing) == 0 {
		out = append(out, "0.0.0.0/0")
		if ipv6 {
			out = append(out, "::/0")
		}
	}
	out = append(out, "!"+tailnetip.IPv4.String())
	if ipv6 {
		out = append(out, "!"+tailnetip.IPv6.String())
	}
	return out
}

func hasIPv6(ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Addr().Is6() {
			return true
		}
	}
	return false
}

func mustAddr(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}
