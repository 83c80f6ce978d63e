package rules

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/tailos/tailos/facts/tailnetip"
)

// CheckRoutes validates an advertise-routes list as the tailscale CLI does
// (net/netutil/routes.go CalcAdvertiseRoutes) and returns its errors.
func CheckRoutes(items []string) []string {
	var errs []string
	var v4Default, v6Default bool
	for _, s := range items {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%q is not a valid IP address or CIDR prefix", s))
			continue
		}
		if p != p.Masked() {
			errs = append(errs, fmt.Sprintf("%s has non-address bits set; expected %s", p, p.Masked()))
			continue
		}
		if tailnetip.Via.Overlaps(p) && covers(tailnetip.Via, p) && p.Bits() < 96 {
			errs = append(errs, fmt.Sprintf("%v 4via6 route must be /96 or longer", p))
		}
		switch p.String() {
		case "0.0.0.0/0":
			v4Default = true
		case "::/0":
			v6Default = true
		}
	}
	if v4Default && !v6Default {
		errs = append(errs, "0.0.0.0/0 advertised without its IPv6 counterpart, please also advertise ::/0")
	}
	if v6Default && !v4Default {
		errs = append(errs, "::/0 advertised without its IPv4 counterpart, please also advertise 0.0.0.0/0")
	}
	return errs
}

var _ = register(&Rule{
	ID:       "TS100",
	Title:    "advertised routes the tailscale CLI rejects",
	Severity: Error,
	Topic:    TopicRoutes,
	Why: "containerboot passes TS_ROUTES unchecked to `tailscale up --advertise-routes`; the CLI rejects entries " +
		"that are not prefixes, prefixes with host bits set (192.168.1.1/24), and a default route without its other " +
		"family. `tailscale up` then fails and Talos restarts the service forever.",
	Sources: []string{
		"tailscale/tailscale v1.96.5 net/netutil/routes.go CalcAdvertiseRoutes",
		"lint/testdata/realworld/INDEX.md entry 13 (host bits set)",
	},
	Fix: "Write canonical, comma-separated prefixes (192.168.1.0/24,10.96.0.0/12); advertise an exit node with " +
		"--advertise-exit-node rather than 0.0.0.0/0.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		routes, key := advertisedRoutes(t)
		routes = slices.DeleteFunc(routes, Unresolved) // templated entries are not judged
		var out []Result
		for _, e := range CheckRoutes(routes) {
			out = append(out, Result{Message: key + ": " + e, At: AtEnv(key)})
		}
		return out
	},
})
