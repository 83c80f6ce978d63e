package doctor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/tailos/tailos/tailnet"
)

// Stable check IDs of the tailnet side.
const (
	IDDevice     = "tailnet.device"
	IDDuplicates = "tailnet.duplicates"
	IDOnline     = "tailnet.online"
	IDKeyExpiry  = "tailnet.key-expiry"
	IDTags       = "tailnet.tags"
	IDRoutes     = "tailnet.routes"
	IDExitNode   = "tailnet.exit-node"
)

// Match is a node's device in the tailnet and its stale duplicates.
type Match struct {
	// Current is the device holding the node's tailnet address right now:
	// its node key is the one in the node's state.
	Current *tailnet.Device
	// Stale are other devices of the same host with other node keys: the
	// same reported hostname (control servers rename a re-registered host
	// name-1, name-2, but keep the hostname it reports). Names are not
	// stripped of -N: node-1 and node-2 are different hosts. Empty when Current is unknown: without it
	// doctor cannot tell which of them is live.
	Stale []tailnet.Device
	// Candidates are the devices with the node's hostname, when Current is
	// unknown.
	Candidates []tailnet.Device
}

// dnsLabel is a device name without its MagicDNS domain.
func dnsLabel(name string) string {
	name, _, _ = strings.Cut(name, ".")
	return strings.ToLower(name)
}

// MatchDevice finds the node's device by its tailnet addresses and the
// devices that are older registrations of the same host.
func MatchDevice(devs []tailnet.Device, hostname string, ips []netip.Addr) Match {
	var m Match
	for i := range devs {
		for _, a := range devs[i].Addresses {
			if p, err := netip.ParseAddr(a); err == nil && slices.Contains(ips, p) {
				m.Current = &devs[i]
			}
		}
		if m.Current != nil {
			break
		}
	}
	names := map[string]bool{}
	if hostname != "" {
		names[strings.ToLower(hostname)] = true
	}
	if m.Current != nil {
		names[strings.ToLower(m.Current.Hostname)] = true
	}
	same := func(d tailnet.Device) bool {
		return names[strings.ToLower(d.Hostname)] || (d.Hostname == "" && names[dnsLabel(d.Name)])
	}
	for _, d := range devs {
		if !same(d) {
			continue
		}
		if m.Current == nil {
			m.Candidates = append(m.Candidates, d)
			continue
		}
		if d.ID != m.Current.ID && d.NodeKey != m.Current.NodeKey {
			m.Stale = append(m.Stale, d)
		}
	}
	return m
}

// exitRoutes are the routes an exit node advertises.
var exitRoutes = []string{"0.0.0.0/0", "::/0"}

// EvaluateTailnet checks the node's device as the control server sees it.
func EvaluateTailnet(m Match, exp Expect, node string, now time.Time) []Check {
	if m.Current == nil {
		msg := "no device in the tailnet holds this node's tailnet address"
		if len(m.Candidates) > 0 {
			msg += fmt.Sprintf("; %d device(s) carry its hostname (%s), none is live", len(m.Candidates), deviceNames(m.Candidates))
		}
		return []Check{{ID: IDDevice, Status: Fail, Message: msg, Remedy: "the node is not logged in: see " + IDCrashLoop}}
	}
	d := *m.Current
	checks := []Check{{ID: IDDevice, Status: OK, Message: fmt.Sprintf("device %s (id %s, %s)", d.Name, d.ID, strings.Join(d.Addresses, ", "))}}

	if len(m.Stale) == 0 {
		checks = append(checks, Check{ID: IDDuplicates, Status: OK, Message: "no stale duplicates"})
	} else {
		checks = append(checks, Check{ID: IDDuplicates, Status: Warn,
			Message: fmt.Sprintf("%d stale duplicate(s) of this host with other node keys: %s", len(m.Stale), deviceNames(m.Stale)),
			Remedy:  "tailos doctor -n " + node + " --tailnet ... --cleanup-duplicates (add --yes to delete them); keep TS_STATE_DIR=/var/lib/tailscale so the node keeps its identity"})
	}

	switch {
	case d.Online:
		checks = append(checks, Check{ID: IDOnline, Status: OK, Message: "connected to the control server"})
	case !d.LastSeen.IsZero():
		checks = append(checks, Check{ID: IDOnline, Status: Warn, Message: "offline, last seen " + d.LastSeen.UTC().Format(time.RFC3339) + " (" + ago(now.Sub(d.LastSeen)) + " ago)"})
	default:
		checks = append(checks, Check{ID: IDOnline, Status: Warn, Message: "offline"})
	}

	switch left := d.Expires.Sub(now); {
	case d.KeyExpiryDisabled || d.Expires.IsZero():
		checks = append(checks, Check{ID: IDKeyExpiry, Status: OK, Message: "node key expiry is disabled"})
	case left <= 0:
		checks = append(checks, Check{ID: IDKeyExpiry, Status: Fail, Message: "node key expired " + d.Expires.UTC().Format(time.RFC3339),
			Remedy: "disable key expiry for the device (tagged devices have it off by default) and re-authenticate it"})
	case left < exp.keyExpiryWarn():
		checks = append(checks, Check{ID: IDKeyExpiry, Status: Warn, Message: "node key expires in " + ago(left) + " (" + d.Expires.UTC().Format(time.RFC3339) + ")",
			Remedy: "disable key expiry for the device, or tag it (tagged devices do not expire)"})
	default:
		checks = append(checks, Check{ID: IDKeyExpiry, Status: OK, Message: "node key expires " + d.Expires.UTC().Format(time.RFC3339)})
	}

	var missing []string
	for _, t := range exp.Tags {
		if !slices.Contains(d.Tags, t) {
			missing = append(missing, t)
		}
	}
	switch {
	case len(missing) > 0:
		checks = append(checks, Check{ID: IDTags, Status: Fail, Message: fmt.Sprintf("missing tag(s) %s (has %s)", strings.Join(missing, ", "), orNone(d.Tags)),
			Remedy: "add --advertise-tags=" + strings.Join(exp.Tags, ",") + " to TS_EXTRA_ARGS and let the tailnet policy's tagOwners allow them"})
	case len(d.Tags) == 0:
		checks = append(checks, Check{ID: IDTags, Status: Warn, Message: "the device is untagged: it is owned by a user and its key expires",
			Remedy: "advertise tags (--advertise-tags=tag:...) for servers"})
	default:
		checks = append(checks, Check{ID: IDTags, Status: OK, Message: "tags " + strings.Join(d.Tags, ", ")})
	}

	var unapproved []string
	for _, r := range d.AdvertisedRoutes {
		if !slices.Contains(exitRoutes, r) && !slices.Contains(d.ApprovedRoutes, r) {
			unapproved = append(unapproved, r)
		}
	}
	var notAdvertised []string
	for _, r := range exp.Routes {
		if !slices.Contains(d.AdvertisedRoutes, r.String()) {
			notAdvertised = append(notAdvertised, r.String())
		}
	}
	switch {
	case len(unapproved) > 0:
		checks = append(checks, Check{ID: IDRoutes, Status: Fail, Message: "advertised but not approved: " + strings.Join(unapproved, ", "),
			Remedy: "approve them (admin console, or headscale nodes approve-routes), or add autoApprovers.routes for the node's tag to the tailnet policy (tailos gen writes it)"})
	case len(notAdvertised) > 0:
		checks = append(checks, Check{ID: IDRoutes, Status: Warn, Message: "the spec's route(s) " + strings.Join(notAdvertised, ", ") + " are not advertised",
			Remedy: "set TS_ROUTES in the ExtensionServiceConfig (tailos gen renders it)"})
	case len(d.AdvertisedRoutes) > 0:
		checks = append(checks, Check{ID: IDRoutes, Status: OK, Message: "routes approved: " + strings.Join(d.ApprovedRoutes, ", ")})
	default:
		checks = append(checks, Check{ID: IDRoutes, Status: OK, Message: "no subnet routes advertised"})
	}

	advExit, okExit := false, true
	for _, r := range exitRoutes {
		if slices.Contains(d.AdvertisedRoutes, r) {
			advExit = true
			if !slices.Contains(d.ApprovedRoutes, r) {
				okExit = false
			}
		}
	}
	switch {
	case advExit && !okExit:
		checks = append(checks, Check{ID: IDExitNode, Status: Fail, Message: "advertised as exit node but not approved",
			Remedy: "approve it, or add autoApprovers.exitNode for the node's tag to the tailnet policy"})
	case advExit:
		checks = append(checks, Check{ID: IDExitNode, Status: OK, Message: "approved exit node"})
	case exp.ExitNode:
		checks = append(checks, Check{ID: IDExitNode, Status: Warn, Message: "the spec makes it an exit node, but it does not advertise one",
			Remedy: "add --advertise-exit-node to TS_EXTRA_ARGS (tailos gen renders it)"})
	}
	return checks
}

func deviceNames(ds []tailnet.Device) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Name + " (id " + d.ID + ")"
	}
	return strings.Join(s, ", ")
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// ago renders a duration in days or hours.
func ago(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if d >= time.Hour {
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}
