package mtu

import (
	"fmt"
)

// Result is the TUN MTU for an underlay, with the arithmetic that led to it.
type Result struct {
	// TUN is the value for TS_DEBUG_MTU.
	TUN      int    `json:"tun"`
	Underlay int    `json:"underlay"`
	Family   Family `json:"family"`
	// Overhead is Overhead(Family).
	Overhead int `json:"overhead"`
	// Arithmetic shows the computation, e.g.
	// "1500 − 80 (WireGuard over IPv6: 40 IPv6 + 8 UDP + 32 WireGuard) = 1420".
	Arithmetic string `json:"arithmetic"`
	// DefaultFits reports whether Tailscale's default of 1280 fits the underlay.
	DefaultFits bool     `json:"defaultFits"`
	Warnings    []string `json:"warnings,omitempty"`
}

// FromUnderlay computes TS_DEBUG_MTU = underlay − Overhead(f).
//
// When the tailnet carries IPv6 (tailnetIPv6; Tailscale gives every node an
// fd7a:115c:a1e0::/48 address) the TUN MTU may not go below 1280, or Linux
// drops IPv6 from tailscale0. Then TUN is 1280 and a warning says what
// breaks and how to fix it. It fails when underlay is outside 576–65535.
func FromUnderlay(underlay int, f Family, tailnetIPv6 bool) (Result, error) {
	if !f.Valid() {
		return Result{}, fmt.Errorf("underlay family %d: must be 4 or 6", int(f))
	}
	if underlay < IPv4MinDatagram || underlay > MaxUnderlay {
		return Result{}, fmt.Errorf("underlay MTU %d is not plausible: must be %d–%d", underlay, IPv4MinDatagram, MaxUnderlay)
	}
	if f == 0 {
		f = IPv6
	}
	oh := Overhead(f)
	tun := underlay - oh
	r := Result{
		TUN:         tun,
		Underlay:    underlay,
		Family:      f,
		Overhead:    oh,
		Arithmetic:  fmt.Sprintf("%d − %s = %d", underlay, overheadText(f), tun),
		DefaultFits: Fits(TailscaleDefault, underlay, f),
	}
	switch {
	case tailnetIPv6 && tun < IPv6Minimum:
		r.TUN = IPv6Minimum
		r.Arithmetic += fmt.Sprintf(" < %d (IPv6 minimum) → %d", IPv6Minimum, IPv6Minimum)
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"the underlay is too small for tailscale0 to carry IPv6: full-size packets are %d + %d = %d bytes on a %d-byte underlay, "+
				"so they are fragmented or, with don't-fragment set, dropped (TCP connects, then stalls); "+
				"raise the underlay MTU to at least %d, or give up IPv6 inside the tailnet with TS_DEBUG_MTU=%d "+
				"(IPv4 over the tailnet then works; Linux removes tailscale0's fd7a:115c:a1e0:: address)",
			IPv6Minimum, oh, IPv6Minimum+oh, underlay, IPv6Minimum+oh, tun))
	case tun < IPv4MinDatagram:
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"a TUN MTU of %d is below %d, the datagram size every IPv4 host must accept: expect failures of protocols that assume it",
			tun, IPv4MinDatagram))
	}
	return r, nil
}
