package rules

import (
	"fmt"

	"github.com/tailos/tailos/facts/tailnetip"
)

var _ = register(&Rule{
	ID:       "TS050",
	Title:    "kubelet node IP can be the tailnet address (management mode)",
	Severity: Error,
	Topic:    TopicNodeIP,
	Why: "Talos picks the kubelet node IP as the first address, sorted numerically, that passes " +
		"machine.kubelet.nodeIP.validSubnets (KubeNodeConfig nodeIP on Talos ≥ 1.14); by default every address " +
		"passes, including tailscale0's 100.64.0.0/10 one. 100.64.x sorts before 172.16/12 and 192.168/16 LANs, so " +
		"the node registers with its tailnet IP: pod networking and kube-apiserver traffic break (\"no route to " +
		"host\"). A 10.0.0.0/8 LAN sorts first and is only at risk when its address is missing at boot.",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/network/node_address.go (routed addresses sorted numerically, tun links included)",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/controllers/k8s/nodeip.go and nodeip_config.go (first routed address in validSubnets; default 0.0.0.0/0, ::/0; only pod/service CIDRs and VIPs excluded)",
		"siderolabs/extensions#626, siderolabs/extensions#1091",
	},
	Fix: "Pin validSubnets to the LAN (e.g. [192.168.1.0/24]) or exclude the tailnet: append \"!100.64.0.0/10\" " +
		"(and \"!fd7a:115c:a1e0::/48\") after the positive entries.",
	Check: func(c *Config) []Result {
		if c.Tailscale == nil || c.Mode != ModeManagement || listOrderDecides(c.NodeIP.Values) {
			return nil // TS055 explains lists that name both a LAN and the tailnet
		}
		return subnetRisk(c, c.NodeIP, "kubelet node IP", nodeIPEdit(c))
	},
})

// subnetRisk is the management-mode check shared by kubelet and etcd.
func subnetRisk(c *Config, s Subnets, what string, edit Edit) []Result {
	if s.Unresolved() {
		return nil // a templated list is not judged
	}
	f := parseFilter(s.Values)
	if !f.admits(tailnetip.IPv4) {
		return nil
	}
	if _, ok := cgnatPin(s.Values); ok {
		return nil // pinned to a LAN numbered from CGNAT space: TS056
	}
	field := "validSubnets"
	if what != "kubelet node IP" {
		field = "advertisedSubnets"
	}
	setting := fmt.Sprintf("%s %v admits 100.64.0.0/10", field, s.Values)
	if len(s.Values) == 0 {
		setting = field + " is not set"
	}
	r := Result{At: s.At, Edits: []Edit{edit}}
	switch risk, lowest := addressRisk(f, c.Addresses); risk {
	case riskHigh:
		r.Message = fmt.Sprintf("%s: the tailnet address sorts before the node's %s and becomes the %s", setting, lowest, what)
	case riskLow:
		r.Severity = sev(Info)
		r.Message = fmt.Sprintf("%s; the node's %s sorts before 100.64.0.0/10 and wins while it is up, but the tailnet address is still eligible as %s", setting, lowest, what)
	default:
		r.Severity = sev(Warning)
		r.Message = fmt.Sprintf("%s: unless the LAN is in 10.0.0.0/8, the tailnet address can become the %s", setting, what)
	}
	if what != "kubelet node IP" && c.Role == "" {
		// A patch rarely says whether it is for a control plane.
		if r.Severity == nil {
			r.Severity = sev(Warning)
		}
		r.Message += " (if this patch is for a control plane)"
	}
	return []Result{r}
}

// nodeIPEdit excludes the tailnet from kubelet's validSubnets, in the
// document shape the config already uses.
func nodeIPEdit(c *Config) Edit {
	v6 := hasIPv6(c.ServiceCIDRs)
	vals := exclusionValues(c.NodeIP.Values, v6)
	if c.NodeIP.MultiDoc {
		return SetField(DocRef{Kind: "KubeNodeConfig"}, "nodeIP.validSubnets", vals, false)
	}
	return SetField(DocV1Alpha1, "machine.kubelet.nodeIP.validSubnets", vals, false)
}
