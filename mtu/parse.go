package mtu

import (
	"fmt"
	"strconv"
)

// ParseDebugMTU returns the TUN MTU tailscaled creates tailscale0 with for
// the TS_DEBUG_MTU value v, parsing it as tailscaled does
// (envknob.LookupUintSized(v, 10, 32) in tailscale.com/net/tstun):
//
//   - "" (unset): Tailscale's default, 1280;
//   - a base-10 unsigned 32-bit integer: that value, clamped to MaxTUN
//     (65495), with no lower bound (Linux refuses a TUN MTU below 68);
//   - anything else ("1420 ", "0x500", "-1", "auto"): an error, because
//     tailscaled exits at start with "invalid unsigned integer environment
//     variable TS_DEBUG_MTU".
func ParseDebugMTU(v string) (int, error) {
	if v == "" {
		return TailscaleDefault, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("TS_DEBUG_MTU=%q: tailscaled accepts only a base-10 unsigned integer and exits otherwise", v)
	}
	return int(min(n, MaxTUN)), nil
}
