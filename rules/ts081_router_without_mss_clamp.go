package rules

import (
	"fmt"
	"strconv"

	"github.com/tailos/tailos/mtu"
)

// defaultTUNMTU is tailscale0's MTU without TS_DEBUG_MTU.
const defaultTUNMTU = 1280

var _ = register(&Rule{
	ID:       "TS081",
	Title:    "a subnet router or exit node on the official extension cannot clamp TCP MSS",
	Severity: Warning,
	Topic:    TopicMTU,
	Why: "LAN hosts behind a subnet router or exit node send 1500-byte packets; tailscale0 carries fewer (1280 by " +
		"default, the underlay MTU minus 60–80 at most). Their TCP connections through the router then depend on " +
		"ICMP \"fragmentation needed\" coming back from the router (path MTU discovery). Where a middlebox, CNI or " +
		"firewall drops it, connections open and then hang on the first full-size segment. Tailscale clamps MSS only " +
		"in containerboot's Kubernetes proxy modes, Talos has no knob for it, and the official siderolabs/tailscale " +
		"extension ships no nftables tool; the tailos-built extension clamps the SYN's MSS on tailscale0 when its " +
		"ExtensionServiceConfig sets TAILOS_MSS_CLAMP (auto, or a path MTU).",
	Sources: []string{
		"tailscale/tailscale v1.96.5 cmd/containerboot/main.go (ClampMSSToPMTU only for TS_DEST_IP/TS_TAILNET_TARGET_* proxies)",
		"tailscale/tailscale v1.96.5 net/tstun/mtu.go (safeTUNMTU = 1280)",
		"extension/mssclamp in this repository (the clamp and its namespace proof)",
	},
	Fix: "Build the extension with `tailos extension build --push` (its entrypoint is the clamp), build an installer " +
		"with it using Talos's imager, and install that instead of siderolabs/tailscale: in tailos.yaml, " +
		"`tailnet.extension: {source: tailos, image: …, installer: …}` makes `tailos gen` emit that install image and " +
		"the imager command; gen sets TAILOS_MSS_CLAMP=auto on routers and exit nodes. Otherwise make sure ICMP " +
		"fragmentation-needed reaches the LAN hosts, or lower their MTU.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		// Only an install image known to carry the official extension is
		// judged: the tailos-built one clamps, an unknown one may.
		if t == nil || !c.Install.SchematicKnown || !hasTailscale(c.Install.Extensions) || c.Install.HasExtension(TailosExtension) {
			return nil
		}
		routes, _ := advertisedRoutes(t)
		if len(routes) == 0 && !exitNode(t) {
			return nil
		}
		tun := defaultTUNMTU
		if v, ok := t.Lookup("TS_DEBUG_MTU"); ok {
			if Unresolved(v) {
				return nil
			}
			n, err := mtu.ParseDebugMTU(v)
			if err != nil {
				return nil // TS080 reports it
			}
			tun = n
		}
		// A stated link MTU says the underlay is too small for 1500-byte
		// packets through the tunnel; without one the LAN is assumed to be
		// Ethernet, which is as likely but not shown.
		lan, lanSaid, severity := c.LinkMTU, "the LAN's", (*Severity)(nil)
		if lan == 0 {
			lan, lanSaid, severity = ethernetMTU, "Ethernet's", sev(Info)
		}
		if tun >= lan {
			return nil
		}
		msg := fmt.Sprintf("this node forwards tailnet traffic, and tailscale0's MTU %d is below %s %d: TCP from LAN hosts through it relies on ICMP fragmentation-needed, and the %s extension cannot clamp MSS",
			tun, lanSaid, lan, TailscaleExtension)
		at := c.Install.At
		if v, ok := t.Lookup("TAILOS_MSS_CLAMP"); ok {
			msg += fmt.Sprintf(" (TAILOS_MSS_CLAMP=%s is read only by the tailos-built extension)", strconv.Quote(v))
			at = AtEnv("TAILOS_MSS_CLAMP")
		}
		return []Result{{Message: msg, At: at, Severity: severity}}
	},
})
