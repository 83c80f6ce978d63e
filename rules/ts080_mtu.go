package rules

import (
	"strconv"

	"github.com/tailos/tailos/mtu"
)

var _ = register(&Rule{
	ID:       "TS080",
	Title:    "TS_DEBUG_MTU does not fit the underlay or drops IPv6",
	Severity: Error,
	Topic:    TopicMTU,
	Why: "TS_DEBUG_MTU sets tailscale0's MTU once, at TUN creation. Above the underlay MTU minus WireGuard's overhead " +
		"(80 bytes over IPv6, 60 over IPv4) every full-size packet is fragmented or dropped: handshakes and small " +
		"requests work, bulk TCP stalls. Below 1280 Linux removes IPv6 from the link, and tailscale0 carries the " +
		"node's fd7a:115c:a1e0:: address. tailscaled accepts only a base-10 integer.",
	Sources: []string{
		"research/tailscale.md §1.4 TS_DEBUG_MTU, default 1280, wgHeaderLen",
		"DESIGN.md trap table \"MTU\"; tailos mtu package (Check, FromUnderlay)",
	},
	Fix: "Set TS_DEBUG_MTU to the underlay MTU minus 80 (1420 on a 1500-byte LAN; `tailos mtu` computes it), not " +
		"below 1280; or remove it to keep the safe default 1280.",
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
		tun, err := mtu.ParseDebugMTU(v)
		if err != nil {
			return []Result{{Message: err.Error(), At: at, Edits: []Edit{DeleteEnv("TS_DEBUG_MTU")}}}
		}
		underlay, assumed := c.LinkMTU, ""
		if underlay == 0 {
			underlay, assumed = 1500, " (underlay assumed 1500: no link MTU in the config)"
		}
		family := mtu.Family(0) // IPv6 assumed: the worst case
		if len(c.Addresses) > 0 && !hasIPv6(c.Addresses) {
			family = mtu.IPv4
		}
		var out []Result
		for _, p := range mtu.Check(tun, underlay, family, true) {
			r := Result{Message: p.Message + assumed, At: at}
			if res, err := mtu.FromUnderlay(underlay, family, true); err == nil && res.TUN != tun {
				r.Edits = []Edit{SetEnv("TS_DEBUG_MTU", strconv.Itoa(res.TUN))}
			}
			if p.Code == mtu.CodeAboveMax {
				r.Severity = sev(Warning)
			}
			out = append(out, r)
		}
		return out
	},
})
