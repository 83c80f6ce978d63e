package rules

import (
	"fmt"
	"strconv"

	"github.com/tailos/tailos/mtu"
)

// ethernetMTU is the common Ethernet MTU: a TS_DEBUG_MTU that needs more is
// worth a note even when the config states no link MTU.
const ethernetMTU = 1500

var _ = register(&Rule{
	ID:       "TS080",
	Title:    "TS_DEBUG_MTU does not fit the underlay or drops IPv6",
	Severity: Error,
	Topic:    TopicMTU,
	Why: "TS_DEBUG_MTU sets tailscale0's MTU once, at TUN creation. Above the underlay MTU minus WireGuard's overhead " +
		"(80 bytes over IPv6, 60 over IPv4) every full-size packet is fragmented or dropped: handshakes and small " +
		"requests work, bulk TCP stalls. Below 1280 Linux removes IPv6 from the link, and tailscale0 carries the " +
		"node's fd7a:115c:a1e0:: address. tailscaled accepts only a base-10 unsigned integer: anything else makes it " +
		"exit at start (envknob log.Fatalf), so ext-tailscale restarts in a loop.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 net/tstun/mtu.go (TS_DEBUG_MTU, safeTUNMTU = 1280, wgHeaderLen = 80)",
		"tailscale/tailscale v1.96.5 envknob/envknob.go LookupUintSized (log.Fatalf on a bad value), called by net/tstun/mtu.go DefaultTUNMTU",
		"mtu/check.go Check and mtu/calc.go FromUnderlay in this repository",
	},
	Fix: "Set TS_DEBUG_MTU to the underlay MTU minus 80 (1420 on a 1500-byte LAN; `tailos mtu calc` computes it), not " +
		"below 1280; or remove it to keep the safe default 1280.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		v, ok := t.Lookup("TS_DEBUG_MTU")
		if !ok || Unresolved(v) {
			return nil
		}
		at := AtEnv("TS_DEBUG_MTU")
		tun, err := mtu.ParseDebugMTU(v)
		if err != nil {
			return []Result{{Message: err.Error() + " (ext-tailscale restarts in a loop)", At: at, Edits: []Edit{DeleteEnv("TS_DEBUG_MTU")}}}
		}
		family := mtu.Family(0) // IPv6 assumed: the worst case
		if len(c.Addresses) > 0 && !hasIPv6(c.Addresses) {
			family = mtu.IPv4
		}
		// The tailnet always carries IPv6 (every node has an fd7a:115c:a1e0::
		// address), so 1280 is the floor whatever the underlay family.
		const tailnetIPv6 = true
		underlay := c.LinkMTU // 0: unknown, only the absolute checks run
		var out []Result
		for _, p := range mtu.Check(tun, underlay, family, tailnetIPv6) {
			r := Result{Message: p.Message, At: at}
			if underlay != 0 {
				res, err := mtu.FromUnderlay(underlay, family, tailnetIPv6)
				// Suggest a value only when it is itself sound: not below the
				// IPv6 minimum and fitting the underlay.
				if err == nil && len(res.Warnings) == 0 && res.TUN != tun {
					r.Edits = []Edit{SetEnv("TS_DEBUG_MTU", strconv.Itoa(res.TUN))}
				}
			}
			if p.Code == mtu.CodeAboveMax {
				r.Severity = sev(Warning)
			}
			out = append(out, r)
		}
		if underlay == 0 && mtu.WireSize(tun, mtu.IPv6) > ethernetMTU && len(out) == 0 {
			// Without a link MTU nothing proves the value wrong, but it needs
			// jumbo frames, which the config does not show.
			out = append(out, Result{
				Severity: sev(Info),
				Message: fmt.Sprintf("TS_DEBUG_MTU=%d needs an underlay MTU of at least %d (%d over IPv4); the config states no link MTU, so check the interface tailscaled sends on",
					tun, mtu.WireSize(tun, mtu.IPv6), mtu.WireSize(tun, mtu.IPv4)),
				At: at,
			})
		}
		return out
	},
})
