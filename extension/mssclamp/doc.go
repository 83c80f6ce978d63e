// Package mssclamp clamps the TCP MSS of forwarded connections that cross
// tailscale0, so that a LAN host with a 1500-byte MTU talking through a
// subnet router or exit node never sends segments larger than the tunnel
// carries, even when ICMP "fragmentation needed" is lost on the way back.
//
// Tailscale clamps only in containerboot's Kubernetes proxy modes; a Linux
// subnet router gets nothing. The clamp lives in an nftables table of its
// own (inet tailos-mssclamp, a forward chain at mangle priority), so it
// coexists with the ts-* tables tailscaled writes in nftables mode. It
// matches the interface by name, follows tailscale0's MTU over rtnetlink
// and rewrites the rules whenever tailscaled recreates the interface.
package mssclamp
