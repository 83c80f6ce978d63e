package mtu

import (
	"fmt"
)

// Problem codes, stable for linters and scripts.
const (
	CodeExceedsUnderlay  = "mtu-exceeds-underlay"
	CodeBelowIPv6Minimum = "mtu-below-ipv6-minimum"
	CodeAboveMax         = "mtu-above-max"
	CodeInvalid          = "mtu-invalid"
)

// Problem is one thing wrong with an explicit TS_DEBUG_MTU.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// Check judges an explicit TS_DEBUG_MTU tun against an underlay MTU of
// family f. underlay 0 means unknown: only the absolute checks run (the
// Linux TUN limits, the IPv6 minimum when tailnetIPv6, tailscaled's clamp).
func Check(tun, underlay int, f Family, tailnetIPv6 bool) []Problem {
	var ps []Problem
	if !f.Valid() {
		return append(ps, Problem{CodeInvalid,
			fmt.Sprintf("underlay family %d is neither 4 nor 6", int(f)),
			"state the outer IP family as 4 or 6 (6 when unsure: it is the worst case)"})
	}
	if underlay != 0 && (underlay < IPv4MinDatagram || underlay > MaxUnderlay) {
		ps = append(ps, Problem{CodeInvalid,
			fmt.Sprintf("underlay MTU %d is not plausible (%d–%d)", underlay, IPv4MinDatagram, MaxUnderlay),
			"state the MTU of the interface tailscaled sends on (ip link show), or measure it with `tailos mtu probe`"})
		underlay = 0
	}
	switch {
	case tun < MinTUN:
		return append(ps, Problem{CodeInvalid,
			fmt.Sprintf("TS_DEBUG_MTU=%d is below %d, the smallest MTU Linux accepts on a TUN device: tailscaled fails to create tailscale0", tun, MinTUN),
			fixFor(underlay, f, tailnetIPv6)})
	case tun < IPv4MinDatagram:
		ps = append(ps, Problem{CodeInvalid,
			fmt.Sprintf("TS_DEBUG_MTU=%d is below %d, the datagram size every IPv4 host must accept", tun, IPv4MinDatagram),
			fixFor(underlay, f, tailnetIPv6)})
	case tun > MaxTUN:
		ps = append(ps, Problem{CodeAboveMax,
			fmt.Sprintf("TS_DEBUG_MTU=%d is above %d: tailscaled silently clamps it to %d", tun, MaxTUN, MaxTUN),
			fixFor(underlay, f, tailnetIPv6)})
		tun = MaxTUN
	}
	if tailnetIPv6 && tun < IPv6Minimum {
		ps = append(ps, Problem{CodeBelowIPv6Minimum,
			fmt.Sprintf("TS_DEBUG_MTU=%d is below %d, the IPv6 minimum: Linux removes IPv6 from tailscale0, so the node's fd7a:115c:a1e0:: address and all IPv6 over the tailnet stop working", tun, IPv6Minimum),
			fmt.Sprintf("use TS_DEBUG_MTU=%d or more (the underlay must then be at least %d), or disable IPv6 in the tailnet", IPv6Minimum, WireSize(IPv6Minimum, f))})
	}
	if underlay != 0 && !Fits(tun, underlay, f) {
		ps = append(ps, Problem{CodeExceedsUnderlay,
			fmt.Sprintf("TS_DEBUG_MTU=%d puts %d + %d = %d bytes on a %d-byte underlay (%s): full-size packets are fragmented or dropped, and TCP connects and then stalls",
				tun, tun, Overhead(f), WireSize(tun, f), underlay, f),
			fixFor(underlay, f, tailnetIPv6)})
	}
	return ps
}

// fixFor is the advice for a wrong TS_DEBUG_MTU: the computed value when the
// underlay is known, otherwise how to find it.
func fixFor(underlay int, f Family, tailnetIPv6 bool) string {
	if underlay == 0 {
		return "state the underlay MTU and use `mtu: auto`, or compute the value with `tailos mtu calc --underlay N`"
	}
	r, err := FromUnderlay(underlay, f, tailnetIPv6)
	if err != nil {
		return "compute the value with `tailos mtu calc --underlay N`"
	}
	if len(r.Warnings) > 0 {
		return fmt.Sprintf("use TS_DEBUG_MTU=%d and raise the underlay MTU to at least %d (%s)", r.TUN, WireSize(r.TUN, f), r.Arithmetic)
	}
	return fmt.Sprintf("use TS_DEBUG_MTU=%d (%s), or `mtu: auto` with `underlayMTU: %d`", r.TUN, r.Arithmetic, underlay)
}
