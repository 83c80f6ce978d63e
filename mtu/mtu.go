// Package mtu holds the arithmetic between an underlay (LAN) MTU and the
// MTU of Tailscale's TUN device, tailscale0, which tailscaled takes from
// TS_DEBUG_MTU; it judges explicit values and measures path MTUs with
// don't-fragment probes (Probe, Responder).
//
// Every WireGuard packet carries its inner packet plus an outer IP header,
// a UDP header and 32 bytes of WireGuard (4 type + 4 key index + 8 nonce +
// 16 Poly1305 tag). The inner packet fits on the wire only when
// TUN MTU + overhead ≤ underlay MTU.
package mtu

import (
	"fmt"
)

const (
	// WireGuardOverhead is what WireGuard adds inside the UDP payload:
	// 4 type + 4 key index + 8 nonce + 16 authentication tag.
	WireGuardOverhead = 32
	// UDPHeader is the UDP header length.
	UDPHeader = 8
	// IPv4Header is the outer IPv4 header length (no options).
	IPv4Header = 20
	// IPv6Header is the outer IPv6 header length (no extension headers).
	IPv6Header = 40

	// IPv4Overhead is the bytes WireGuard adds to each packet over an IPv4
	// underlay.
	IPv4Overhead = IPv4Header + UDPHeader + WireGuardOverhead // 60
	// IPv6Overhead is the same over an IPv6 underlay. Tailscale always
	// assumes this case (tailscale.com/net/tstun wgHeaderLen = 80).
	IPv6Overhead = IPv6Header + UDPHeader + WireGuardOverhead // 80

	// TailscaleDefault is tailscale0's MTU when TS_DEBUG_MTU is unset
	// (tailscale.com/net/tstun safeTUNMTU).
	TailscaleDefault = 1280
	// IPv6Minimum is the smallest link MTU IPv6 allows (RFC 8200 §5);
	// Linux removes IPv6 from a link whose MTU is set lower.
	IPv6Minimum = 1280
	// MaxTUN is the largest TUN MTU tailscaled uses on Linux; larger
	// TS_DEBUG_MTU values are clamped to it. It is tailscale.com/net/tstun
	// MaxPacketSize, Tailscale's wireguard-go MaxContentSize: 65535 − 16
	// transport header − 16 tag − 8 bytes reserved for encapsulation.
	// (Upstream wireguard-go, without the reservation, allows 65503.)
	MaxTUN = 65495
	// MinTUN is the smallest MTU Linux accepts on a TUN device; below it
	// tailscaled fails to create tailscale0.
	MinTUN = 68
	// IPv4MinDatagram is the datagram size every IPv4 host must accept
	// (RFC 791); the smallest underlay this package reasons about.
	IPv4MinDatagram = 576
	// MaxUnderlay is the largest underlay MTU considered: an IPv4 packet's
	// total length is a 16-bit field.
	MaxUnderlay = 65535
)

// Family is the outer (underlay) IP family of WireGuard packets: 4 or 6.
// The zero value means unknown and is treated as 6, the worst case.
type Family int

// The two underlay families.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// String returns "IPv4", "IPv6" or "IPv6 (assumed)" for the zero value.
func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	case 0:
		return "IPv6 (assumed)"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// Valid reports whether f is 0 (unknown), 4 or 6.
func (f Family) Valid() bool { return f == 0 || f == IPv4 || f == IPv6 }

// Overhead returns the bytes WireGuard adds over an underlay of family f:
// 60 for IPv4, 80 for IPv6 and for anything else (the worst case).
func Overhead(f Family) int {
	if f == IPv4 {
		return IPv4Overhead
	}
	return IPv6Overhead
}

// WireSize returns the size on the wire of a full-size packet from a TUN
// with MTU tun over an underlay of family f.
func WireSize(tun int, f Family) int { return tun + Overhead(f) }

// Fits reports whether full-size packets of a TUN with MTU tun fit in an
// underlay MTU without fragmentation.
func Fits(tun, underlay int, f Family) bool { return WireSize(tun, f) <= underlay }

// overheadText spells out Overhead(f), e.g.
// "80 (WireGuard over IPv6: 40 IPv6 + 8 UDP + 32 WireGuard)".
func overheadText(f Family) string {
	if f == IPv4 {
		return fmt.Sprintf("%d (WireGuard over IPv4: %d IPv4 + %d UDP + %d WireGuard)", IPv4Overhead, IPv4Header, UDPHeader, WireGuardOverhead)
	}
	return fmt.Sprintf("%d (WireGuard over IPv6: %d IPv6 + %d UDP + %d WireGuard)", IPv6Overhead, IPv6Header, UDPHeader, WireGuardOverhead)
}
