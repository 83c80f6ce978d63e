package doctor

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/nethelpers"

	"github.com/tailos/tailos/facts/tailnetip"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/rules"
)

// defaultTUNMTU is tailscaled's MTU when TS_DEBUG_MTU is unset
// (tailscale.com net/tstun/mtu.go DefaultTUNMTU).
const defaultTUNMTU = 1280

func checkLink(ev *Evidence) Check {
	if ev.LinkErr != nil {
		return unknown(IDLink, ev.LinkErr, "LinkStatuses "+TailscaleLink)
	}
	l := ev.Link
	if l == nil {
		return Check{ID: IDLink, Status: Fail, Message: TailscaleLink + " does not exist", Remedy: "see " + IDService + " and " + IDCrashLoop + "; talosctl -n " + ev.Node + " get links"}
	}
	up := l.OperationalState == nethelpers.OperStateUp || l.OperationalState == nethelpers.OperStateUnknown && l.Flags&nethelpers.LinkFlags(nethelpers.LinkUp) != 0
	if !up {
		return Check{ID: IDLink, Status: Fail, Message: fmt.Sprintf("%s exists (kind %s) but is %s", TailscaleLink, l.Kind, l.OperationalState), Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID}
	}
	return Check{ID: IDLink, Status: OK, Message: fmt.Sprintf("%s is up (kind %s)", TailscaleLink, l.Kind)}
}

func checkMTU(ev *Evidence, m *rules.Config, exp Expect) Check {
	if ev.Link == nil {
		return Check{ID: IDMTU, Status: Unknown, Message: "no " + TailscaleLink + " to measure"}
	}
	got := int(ev.Link.MTU)
	envMTU, envSet := 0, false
	if m != nil && m.Tailscale != nil {
		if v, ok := m.Tailscale.Lookup("TS_DEBUG_MTU"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				envMTU, envSet = n, true
			}
		}
	}
	switch {
	case exp.MTU != 0 && got != exp.MTU:
		why := ""
		if envSet && envMTU != exp.MTU {
			why = fmt.Sprintf("; the config sets TS_DEBUG_MTU=%d", envMTU)
		}
		return Check{ID: IDMTU, Status: Fail, Message: fmt.Sprintf("%s MTU is %d, the spec says %d%s", TailscaleLink, got, exp.MTU, why),
			Remedy: fmt.Sprintf("set TS_DEBUG_MTU=%d in the ExtensionServiceConfig (tailos gen renders it), then talosctl -n %s service %s restart", exp.MTU, ev.Node, ServiceID)}
	case exp.MTU != 0:
		return Check{ID: IDMTU, Status: OK, Message: fmt.Sprintf("%s MTU is %d, as the spec says", TailscaleLink, got)}
	case envSet && got != envMTU:
		return Check{ID: IDMTU, Status: Fail, Message: fmt.Sprintf("%s MTU is %d, but the config sets TS_DEBUG_MTU=%d", TailscaleLink, got, envMTU),
			Remedy: fmt.Sprintf("talosctl -n %s service %s restart (the environment applies on start)", ev.Node, ServiceID)}
	case envSet:
		return Check{ID: IDMTU, Status: OK, Message: fmt.Sprintf("%s MTU is %d (TS_DEBUG_MTU)", TailscaleLink, got)}
	case m == nil:
		return Check{ID: IDMTU, Status: Unknown, Message: fmt.Sprintf("%s MTU is %d; the config (TS_DEBUG_MTU) is not readable and no spec was given", TailscaleLink, got)}
	case got != defaultTUNMTU:
		return Check{ID: IDMTU, Status: Warn, Message: fmt.Sprintf("%s MTU is %d, though TS_DEBUG_MTU is unset (Tailscale's default is %d)", TailscaleLink, got, defaultTUNMTU)}
	default:
		return Check{ID: IDMTU, Status: OK, Message: fmt.Sprintf("%s MTU is Tailscale's default %d (tailos mtu computes a better one for the underlay)", TailscaleLink, got)}
	}
}

func checkAddress(ev *Evidence) Check {
	if ev.AddrsErr != nil {
		return unknown(IDAddress, ev.AddrsErr, "AddressStatuses")
	}
	var ts []string
	for _, p := range ev.TailnetAddrs {
		if IsTailnetAddr(p.Addr()) {
			ts = append(ts, p.Addr().String())
		}
	}
	if len(ts) == 0 {
		return Check{ID: IDAddress, Status: Fail, Message: "the node holds no tailnet address on " + TailscaleLink, Remedy: "the node is not logged in: see " + IDCrashLoop}
	}
	return Check{ID: IDAddress, Status: OK, Message: "tailnet address " + strings.Join(ts, ", ")}
}

// TailnetIPs returns the node's tailnet addresses from the evidence.
func (ev *Evidence) TailnetIPs() []netip.Addr {
	var out []netip.Addr
	for _, p := range ev.TailnetAddrs {
		if IsTailnetAddr(p.Addr()) {
			out = append(out, p.Addr())
		}
	}
	return out
}

func addrList(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// placement judges a list of addresses against the mode: in management
// mode none may be on the tailnet, in cluster-network mode all must be.
func placement(addrs []netip.Addr, mode rules.Mode) (bad []netip.Addr) {
	for _, a := range addrs {
		if IsTailnetAddr(a) != (mode == rules.ModeClusterNetwork) {
			bad = append(bad, a)
		}
	}
	return bad
}

func checkNodeIP(ev *Evidence, mode rules.Mode, why string) Check {
	if ev.NodeIPsErr != nil {
		return unknown(IDNodeIP, ev.NodeIPsErr, "NodeIPs kubelet")
	}
	if len(ev.NodeIPs) == 0 {
		return Check{ID: IDNodeIP, Status: Unknown, Message: "kubelet has no node IP yet"}
	}
	bad := placement(ev.NodeIPs, mode)
	if len(bad) == 0 {
		where := "on the LAN"
		if mode == rules.ModeClusterNetwork {
			where = "on the tailnet"
		}
		return Check{ID: IDNodeIP, Status: OK, Message: fmt.Sprintf("kubelet node IP %s is %s (%s mode, %s)", addrList(ev.NodeIPs), where, mode, why)}
	}
	if mode == rules.ModeClusterNetwork {
		return Check{ID: IDNodeIP, Status: Fail, Message: fmt.Sprintf("kubelet node IP %s is not on the tailnet (cluster-network mode, %s)", addrList(bad), why),
			Remedy: "pin machine.kubelet.nodeIP.validSubnets to 100.64.0.0/10 (tailos check --fix writes the patch)"}
	}
	return Check{ID: IDNodeIP, Status: Fail, Message: fmt.Sprintf("kubelet node IP %s is on the tailnet (management mode, %s): pod networking runs over Tailscale", addrList(bad), why),
		Remedy: "pin machine.kubelet.nodeIP.validSubnets to the LAN subnets, e.g. talosctl -n " + ev.Node + ` patch machineconfig -p '{"machine":{"kubelet":{"nodeIP":{"validSubnets":["<LAN CIDR>"]}}}}'`}
}

func checkEtcd(ev *Evidence, mode rules.Mode, why string) (Check, bool) {
	if ev.EtcdErr != nil {
		return unknown(IDEtcd, ev.EtcdErr, "EtcdSpecs etcd"), true
	}
	if ev.Etcd == nil {
		return Check{}, false // not a control-plane node
	}
	addrs := append(append([]netip.Addr{}, ev.Etcd.AdvertisedAddresses...), ev.Etcd.ListenPeerAddresses...)
	// The member list's peer URLs are what the other members dial.
	for _, u := range ev.EtcdPeerURLs {
		if pu, err := url.Parse(u); err == nil {
			if a, err := netip.ParseAddr(pu.Hostname()); err == nil {
				addrs = append(addrs, a)
			}
		}
	}
	var bad []netip.Addr
	for _, a := range placement(addrs, mode) {
		if !a.IsUnspecified() && !a.IsLoopback() {
			bad = append(bad, a)
		}
	}
	if len(ev.Etcd.AdvertisedAddresses) == 0 {
		return Check{ID: IDEtcd, Status: Unknown, Message: "etcd advertises no address yet"}, true
	}
	if len(bad) == 0 {
		return Check{ID: IDEtcd, Status: OK, Message: fmt.Sprintf("etcd advertises %s (%s mode)", addrList(ev.Etcd.AdvertisedAddresses), mode)}, true
	}
	if mode == rules.ModeClusterNetwork {
		return Check{ID: IDEtcd, Status: Fail, Message: fmt.Sprintf("etcd advertises/peers on %s, not the tailnet (cluster-network mode, %s)", addrList(bad), why),
			Remedy: "set cluster.etcd.advertisedSubnets to 100.64.0.0/10"}, true
	}
	return Check{ID: IDEtcd, Status: Fail, Message: fmt.Sprintf("etcd advertises/peers on the tailnet address %s (management mode, %s)", addrList(bad), why),
		Remedy: "set cluster.etcd.advertisedSubnets (and listenSubnets) to the LAN subnets"}, true
}

func checkResolver(ev *Evidence) Check {
	if ev.ResolversErr != nil {
		return unknown(IDResolver, ev.ResolversErr, "ResolverStatuses")
	}
	if len(ev.Resolvers) == 0 {
		return Check{ID: IDResolver, Status: Warn, Message: "the node has no resolvers"}
	}
	if tailnetip.IsResolver(ev.Resolvers[0]) {
		first := ev.Resolvers[0].String()
		return Check{ID: IDResolver, Status: Fail, Message: "the first resolver is " + first + " (MagicDNS): cluster.local and LAN names break when tailscaled is down",
			Remedy: "add --accept-dns=false to TS_EXTRA_ARGS and remove " + first + " from machine.network.nameservers"}
	}
	return Check{ID: IDResolver, Status: OK, Message: "first resolver " + ev.Resolvers[0].String()}
}

func checkKubeSpan(ev *Evidence, mode rules.Mode) (Check, bool) {
	if ev.KubeSpanErr != nil || len(ev.KubeSpanPeers) == 0 {
		return Check{}, false // KubeSpan off (or its resources absent)
	}
	var bad []string
	for _, p := range ev.KubeSpanPeers {
		if p.Endpoint.IsValid() && IsTailnetAddr(p.Endpoint.Addr()) {
			bad = append(bad, p.Label+" via "+p.Endpoint.String())
		}
	}
	if mode == rules.ModeClusterNetwork {
		return Check{ID: IDKubeSpan, Status: Warn, Message: fmt.Sprintf("KubeSpan is on with %d peer(s) in cluster-network mode: two WireGuard meshes", len(ev.KubeSpanPeers)), Remedy: "disable KubeSpan (machine.network.kubespan.enabled: false)"}, true
	}
	if len(bad) > 0 {
		return Check{ID: IDKubeSpan, Status: Fail, Message: "KubeSpan peers use tailnet endpoints (tunnel in tunnel): " + strings.Join(bad, "; "),
			Remedy: "filter them: machine.network.kubespan.filters.endpoints: " + yamlList(tailnetip.EndpointFilters())}, true
	}
	return Check{ID: IDKubeSpan, Status: OK, Message: fmt.Sprintf("%d KubeSpan peer(s), none through the tailnet", len(ev.KubeSpanPeers))}, true
}

// liveIrrelevant are catalogue rules about config files that a live config
// cannot avoid: the key is necessarily in the node's ExtensionServiceConfig
// (TS040 warns about committing it to a repository).
var liveIrrelevant = map[string]bool{"TS040": true}

// checkConfig runs tailos's check catalogue on the live machine config:
// one check per finding (config.TS050, ...), or one ok.
func checkConfig(ev *Evidence, m *rules.Config) []Check {
	if m == nil {
		return []Check{unknown(IDConfig, ev.ConfigErr, "the machine config")}
	}
	fs := lint.Check(m, nil)
	var out []Check
	for _, f := range fs {
		if liveIrrelevant[f.Rule] {
			continue
		}
		st := Warn
		switch f.Severity {
		case rules.Error:
			st = Fail
		case rules.Info:
			continue
		}
		out = append(out, Check{ID: "config." + f.Rule, Status: st, Message: f.Message, Remedy: f.Fix})
	}
	if len(out) == 0 {
		return []Check{{ID: IDConfig, Status: OK, Message: fmt.Sprintf("the live config passes the check catalogue (%s mode)", m.Mode)}}
	}
	return out
}

// yamlList writes a flow sequence of quoted strings: ["a", "b"].
func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
