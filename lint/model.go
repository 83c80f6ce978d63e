package lint

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	talosconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/nethelpers"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosconf"
)

// BuildModel builds the view rules see of cfg. It never fails: parts
// machinery cannot provide (a patch without a v1alpha1 document) stay empty.
func BuildModel(cfg config.Provider, opts Options) *rules.Config {
	c := &rules.Config{
		NodeFacts:     rules.NodeFacts{File: opts.File, Node: opts.Node},
		Complete:      !opts.Partial,
		TailnetDomain: strings.TrimPrefix(opts.TailnetDomain, "."),
		Sysctls:       map[string]string{},
	}
	kinds := map[string]bool{}
	for _, d := range cfg.Documents() {
		kinds[d.Kind()] = true
	}

	guard(c, "tailscale extension", func() { tailscaleModel(cfg, c) })
	guard(c, "install", func() { installModel(cfg, c, kinds, opts) })
	guard(c, "machine", func() { machineModel(cfg, c) })
	guard(c, "kubernetes", func() { kubeModel(cfg, c, kinds, opts) })
	guard(c, "network", func() { networkModel(cfg, c, kinds) })
	if !opts.Partial {
		for _, sc := range talosconf.ShapeConflicts(cfg) {
			c.ShapeConflicts = append(c.ShapeConflicts, rules.ShapeConflict{Kind: sc.Kind, Reason: sc.Reason})
		}
	}

	if c.Node == "" {
		guard(c, "hostname", func() {
			if h := cfg.NetworkHostnameConfig(); h != nil {
				c.Node = h.Hostname()
			}
		})
	}
	if c.TailnetDomain == "" {
		c.TailnetDomain = tailnetDomain(c)
	}
	if opts.Partial {
		// The stand-in base's machine type is not the node's.
		c.Role = opts.Role
	}
	c.Load = opts.Load
	if opts.TalosVersion != "" {
		c.TalosVersion = opts.TalosVersion
	}
	c.Mode, c.ModeReason = InferMode(c, opts.Mode)
	return c
}

// guard keeps one part that cannot be built (a method dereferencing a
// section the input lacks) from hiding the others, and records what it
// recovered in c.Unread so the result says which part went unchecked.
func guard(c *rules.Config, part string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			c.Unread = append(c.Unread, fmt.Sprintf("%s: %v", part, r))
		}
	}()
	f()
}

func tailscaleModel(cfg config.Provider, c *rules.Config) {
	for _, e := range cfg.ExtensionServiceConfigs() {
		if e.Name() != tailscaleext.ServiceName {
			continue
		}
		if c.Tailscale == nil {
			c.Tailscale = &rules.Tailscale{}
		}
		for _, kv := range e.Environment() {
			k, v, _ := strings.Cut(kv, "=")
			c.Tailscale.Env = append(c.Tailscale.Env, rules.EnvVar{Key: strings.TrimSpace(k), Value: v})
		}
		for _, f := range e.ConfigFiles() {
			c.Tailscale.Mounts = append(c.Tailscale.Mounts, f.MountPath())
		}
	}
}

func installModel(cfg config.Provider, c *rules.Config, kinds map[string]bool, opts Options) {
	in := &c.Install
	if u := cfg.UnattendedInstallConfig(); u != nil && u.InstallerImage() != "" {
		in.Image, in.MultiDoc = u.InstallerImage(), true
		in.At = rules.At(rules.DocRef{Kind: "UnattendedInstallConfig"}, "installer.image")
	} else if m := cfg.Machine(); m != nil {
		in.Image = m.Install().Image()
		in.At = rules.At(rules.DocV1Alpha1, "machine.install.image")
		if kinds["UnattendedInstallConfig"] {
			in.At = rules.At(rules.DocRef{Kind: "UnattendedInstallConfig"}, "installer.image")
		}
		for _, e := range m.Install().Extensions() {
			c.InstallExtensions = append(c.InstallExtensions, e.Image())
		}
	}
	in.FromInput = in.Image != "" && (!opts.Partial || bytes.Contains(opts.Source, []byte(in.Image)))
	if in.FromInput && rules.Unresolved(in.Image) {
		// ${installer_url}: the real reference is not in the file.
		in.Unresolved = true
		return
	}
	if !in.FromInput {
		return
	}
	// The one parser schematic verify and upgrade use too; a reference
	// that does not parse is no factory installer.
	if ref, err := imagefactory.ParseInstallerImage(in.Image); err == nil {
		if v := ref.TalosVersion(); v != "" {
			c.TalosVersion = v
		}
		in.SchematicID = ref.SchematicID
	}
	in.Factory = in.SchematicID != ""
	switch {
	case in.SchematicID == imagefactory.EmptySchematicID:
		in.SchematicKnown = true
	case !in.Factory:
		if exts, ok := opts.Installers[in.Image]; ok {
			in.Custom, in.SchematicKnown, in.Extensions = true, true, exts
		}
	case in.Factory:
		if exts, ok := opts.Schematics[in.SchematicID]; ok {
			in.SchematicKnown, in.Extensions = true, exts
		} else if exts, ok := imagefactory.LookupWellKnown(in.SchematicID); ok {
			in.SchematicKnown, in.Extensions = true, exts
		} else if opts.LookupSchematic != nil {
			in.Extensions, in.SchematicKnown = opts.LookupSchematic(in.SchematicID)
		}
	}
}

func machineModel(cfg config.Provider, c *rules.Config) {
	m := cfg.Machine()
	if m == nil {
		return
	}
	c.Role = m.Type().String()
	if c.Role == "init" {
		c.Role = "controlplane"
	}
	if files, err := m.Files(); err == nil {
		for i, f := range files {
			loc := rules.Loc{Doc: rules.DocV1Alpha1, Path: []string{"machine", "files", itoa(i), "path"}}
			c.MachineFiles = append(c.MachineFiles, rules.MachineFile{Path: f.Path(), Content: f.Content(), Op: f.Op(), Mode: uint32(f.Permissions()), At: loc})
			if strings.HasPrefix(f.Path(), "/var/etc/tailscale/") && c.LegacyAuthEnv == nil {
				c.LegacyAuthEnv = &loc
			}
		}
	}
	if env := m.Env(); len(env) > 0 {
		c.MachineEnv = map[string]string{}
		for k, v := range env {
			c.MachineEnv[k] = v
		}
	}
	c.CertSANs = m.Security().CertSANs()
	for i, d := range m.Network().Devices() {
		if d.Interface() == "tailscale0" && c.TailscaleLink == nil {
			loc := rules.Loc{Doc: rules.DocV1Alpha1, Path: []string{"machine", "network", "interfaces", itoa(i), "interface"}}
			c.TailscaleLink = &loc
		}
		c.Addresses = append(c.Addresses, parsePrefixes(d.Addresses())...)
		if d.MTU() > c.LinkMTU {
			c.LinkMTU = d.MTU()
		}
		for _, v := range d.Vlans() {
			c.Addresses = append(c.Addresses, parsePrefixes(v.Addresses())...)
		}
	}
}

func kubeModel(cfg config.Provider, c *rules.Config, kinds map[string]bool, opts Options) {
	if kinds["KubeNodeConfig"] {
		guard(c, "kubelet node IP", func() {
			//nolint:staticcheck // the deprecated kubelet.nodeIP is read to report it beside KubeNodeConfig
			if raw := cfg.RawV1Alpha1(); raw != nil && raw.MachineConfig != nil && raw.MachineConfig.MachineKubelet != nil &&
				raw.MachineConfig.MachineKubelet.KubeletNodeIP != nil {
				c.LegacyNodeIP = raw.MachineConfig.MachineKubelet.KubeletNodeIP.KubeletNodeIPValidSubnets
			}
		})
	}
	if n := cfg.K8sNodeConfig(); n != nil && n.NodeIP() != nil {
		c.NodeIP.Values = n.NodeIP().ValidSubnets()
	}
	c.NodeIP.MultiDoc = kinds["KubeNodeConfig"]
	c.NodeIP.Set = len(c.NodeIP.Values) > 0
	c.NodeIP.At = rules.At(rules.DocV1Alpha1, "machine.kubelet.nodeIP.validSubnets")
	if c.NodeIP.MultiDoc {
		c.NodeIP.At = rules.At(rules.DocRef{Kind: "KubeNodeConfig"}, "nodeIP.validSubnets")
	}
	c.Etcd.At = rules.At(rules.DocV1Alpha1, "cluster.etcd.advertisedSubnets")
	guard(c, "etcd", func() {
		if cl := cfg.Cluster(); cl != nil {
			c.Etcd.Values = cl.Etcd().AdvertisedSubnets()
			c.Etcd.Set = len(c.Etcd.Values) > 0
		}
	})
	guard(c, "pod and service CIDRs", func() {
		if n := cfg.K8sNetworkConfig(); n != nil {
			c.PodCIDRs, c.ServiceCIDRs = n.PodCIDRs(), n.ServiceCIDRs()
		}
	})
	guard(c, "API server SANs", func() {
		if a := cfg.K8sAPIServerConfig(); a != nil {
			c.APIServerSANs = a.CertSANs()
		}
	})
	guard(c, "cluster endpoint", func() {
		if k := cfg.K8sClusterConfig(); k != nil && k.ClusterEndpoint() != nil {
			ep := k.ClusterEndpoint().String()
			// A stand-in base's endpoint says nothing about the node.
			if !opts.Partial || bytes.Contains(opts.Source, []byte(k.ClusterEndpoint().Host)) {
				c.ClusterEndpoint = ep
				c.ClusterEndpointAt = rules.At(rules.DocV1Alpha1, "cluster.controlPlane.endpoint")
			}
		}
	})
}

func networkModel(cfg config.Provider, c *rules.Config, kinds map[string]bool) {
	for k, v := range cfg.SysctlConfig() {
		c.Sysctls[k] = v
	}
	c.SysctlMultiDoc = kinds["SysctlConfig"]
	guard(c, "KubeSpan", func() {
		if ks := cfg.NetworkKubeSpanConfig(); ks != nil {
			c.KubeSpan.Enabled = ks.Enabled()
			if f := ks.Filters(); f != nil {
				c.KubeSpan.Endpoints = f.Endpoints()
			}
		}
	})
	c.KubeSpan.MultiDoc = kinds["KubeSpanConfig"]
	c.KubeSpan.At = rules.At(rules.DocV1Alpha1, "machine.network.kubespan")
	if c.KubeSpan.MultiDoc {
		c.KubeSpan.At = rules.At(rules.DocRef{Kind: "KubeSpanConfig"}, "enabled")
	}
	guard(c, "resolvers", func() {
		if r := cfg.NetworkResolverConfig(); r != nil {
			for _, ns := range r.Resolvers() {
				c.Nameservers = append(c.Nameservers, ns.Addr.String())
			}
			if sd, ok := r.SearchDomains().Get(); ok {
				c.SearchDomains = sd
			}
		}
	})
	guard(c, "firewall", func() { firewallModel(cfg, c, kinds) })
	for _, l := range cfg.NetworkCommonLinkConfigs() {
		if l.Name() == "tailscale0" && c.TailscaleLink == nil {
			loc := rules.At(rules.DocRef{Kind: "LinkConfig", Name: "tailscale0"}, "name")
			c.TailscaleLink = &loc
		}
		for _, a := range l.Addresses() {
			c.Addresses = append(c.Addresses, a.Address())
		}
		if m, ok := l.MTU().Get(); ok && int(m) > c.LinkMTU {
			c.LinkMTU = int(m)
		}
	}
}

// tailnetDomain guesses the MagicDNS suffix from search domains or SANs.
func tailnetDomain(c *rules.Config) string {
	for _, d := range c.SearchDomains {
		if strings.HasSuffix(d, ".ts.net") {
			return d
		}
	}
	for _, s := range append(append([]string{}, c.CertSANs...), c.APIServerSANs...) {
		if strings.HasSuffix(s, ".ts.net") && strings.Count(s, ".") >= 3 {
			_, rest, _ := strings.Cut(s, ".")
			return rest
		}
	}
	return ""
}

// InferMode returns the deployment mode and why: the flag, else
// cluster-network when kubelet or etcd are pinned to 100.64.0.0/10.
func InferMode(c *rules.Config, flag rules.Mode) (rules.Mode, string) {
	switch {
	case flag != "":
		return flag, "set by --mode"
	case len(rules.LANInCGNAT(c)) > 0 && (rules.PinsTailnet(c.NodeIP.Values) || rules.PinsTailnet(c.Etcd.Values)):
		// A LAN numbered from 100.64.0.0/10: the pin selects the LAN.
		return rules.ModeManagement, "the node's LAN is in 100.64.0.0/10, so subnets pinned there select the LAN"
	case rules.NarrowCGNATPin(c):
		// Tailscale hands out addresses from all of 100.64.0.0/10: a /16 or
		// narrower pin selects a LAN numbered from CGNAT space. (A Headscale
		// tailnet can use a narrower prefix; its login server says so.)
		return rules.ModeManagement, "kubelet or etcd are pinned to a /16 or narrower network inside 100.64.0.0/10, a LAN in CGNAT space (Tailscale assigns from the whole /10)"
	case rules.PinsTailnet(c.NodeIP.Values):
		return rules.ModeClusterNetwork, "kubelet validSubnets pinned to the tailnet"
	case rules.PinsTailnet(c.Etcd.Values):
		return rules.ModeClusterNetwork, "etcd advertisedSubnets pinned to the tailnet"
	}
	return rules.ModeManagement, "kubelet and etcd are not pinned to 100.64.0.0/10"
}

func parsePrefixes(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// firewallModel reads the ingress firewall documents.
func firewallModel(cfg config.Provider, c *rules.Config, kinds map[string]bool) {
	if !kinds["NetworkDefaultActionConfig"] && !kinds["NetworkRuleConfig"] {
		return
	}
	nr := cfg.NetworkRules()
	if nr == nil {
		return
	}
	c.Firewall.Block = nr.DefaultAction() == nethelpers.DefaultActionBlock
	c.Firewall.At = rules.At(rules.DocRef{Kind: "NetworkDefaultActionConfig"}, "ingress")
	for _, d := range cfg.Documents() {
		if d.Kind() != "NetworkRuleConfig" {
			continue
		}
		r, ok := d.(talosconfig.NetworkRuleConfigRules)
		if !ok {
			continue
		}
		name := ""
		if n, ok := d.(interface{ Name() string }); ok {
			name = n.Name()
		}
		for _, rule := range r.Rules() {
			c.Firewall.Rules = append(c.Firewall.Rules, rules.FirewallRule{
				Name: name, Protocol: rule.Protocol().String(), Ports: rule.PortRanges(),
				Subnets: rule.Subnets(), Except: rule.ExceptSubnets(),
			})
		}
	}
}
