package rules

import (
	"fmt"
	"strconv"
)

// WireGuard encapsulation overhead per outer family
// (tailscale net/tstun/mtu.go wgHeaderLen).
const (
	overheadIPv6 = 80
	overheadIPv4 = 60
	minIPv6MTU   = 1280
)

var _ = register(&Rule{
	ID:       "TS080",
	Title:    "TS_DEBUG_MTU does not fit the underlay or drops IPv6",
	Severity: Error,
	Topic:    TopicMTU,
	Why: "TS_DEBUG_MTU sets tailscale0's MTU once, at TUN creation. Above the underlay MTU minus WireGuard's overhead " +
		"(80 bytes over IPv6, 60 over IPv4) every full-size packet is fragmented or dropped: handshakes and small " +
		"requests work, bulk TCP stalls. Below 1280 Linux removes IPv6 from the link, and tailscale0 carries the " +
		"node's fd7a:115c:a1e0:: address. The value must be a base-10 integer.",
	Sources: []string{
		"research/tailscale.md §1.4 TS_DEBUG_MTU, default 1280, wgHeaderLen",
		"DESIGN.md trap table \"MTU\"",
	},
	Fix: "Set TS_DEBUG_MTU to at most the underlay MTU minus 80 (1420 on a 1500-byte LAN), and not below 1280; or " +
		"remove it to keep the safe default 1280.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		v, ok := t.Lookup("TS_DEBUG_MTU")
		if !ok {
			return nil
		}
		at := AtEnv("TS_DEBUG_MTU")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return []Result{{Message: fmt.Sprintf("TS_DEBUG_MTU=%q is not a decimal number; tailscaled ignores it", v), At: at, Edits: []Edit{DeleteEnv("TS_DEBUG_MTU")}}}
		}
		underlay, assumed := c.LinkMTU, ""
		if underlay == 0 {
			underlay, assumed = 1500, " (assumed; no link MTU in the config)"
		}
		overhead := overheadIPv4
		if hasIPv6(c.Addresses) {
			overhead = overheadIPv6
		}
		max := underlay - overhead
		switch {
		case int(n) > max:
			return []Result{{
				Message: fmt.Sprintf("TS_DEBUG_MTU=%d exceeds the %d-byte underlay%s minus %d bytes of WireGuard overhead (max %d)", n, underlay, assumed, overhead, max),
				At:      at,
				Edits:   []Edit{SetEnv("TS_DEBUG_MTU", strconv.Itoa(max))},
			}}
		case n < minIPv6MTU:
			return []Result{{
				Message: fmt.Sprintf("TS_DEBUG_MTU=%d is below 1280: Linux drops IPv6 (the fd7a:115c:a1e0:: tailnet address) from tailscale0", n),
				At:      at,
				Edits:   []Edit{SetEnv("TS_DEBUG_MTU", strconv.Itoa(minIPv6MTU))},
			}}
		}
		return nil
	},
})
