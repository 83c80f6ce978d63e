package spec

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	talosconfig "github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/tailos/tailos/mtu"
	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/talosconf"
)

var (
	// As tailcfg.CheckTag and the operator's CRD pattern accept them.
	tagRe = regexp.MustCompile(`^tag:[a-zA-Z][a-zA-Z0-9-]*$`)
	// A DNS label, as Tailscale's dnsname.ValidLabel accepts hostnames.
	labelRe   = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
	domainRe  = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)
	extNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$`)
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	// TailnetIPv4 and TailnetIPv6 are the ranges tailscaled assigns from.
	TailnetIPv4 = netip.MustParsePrefix("100.64.0.0/10")
	TailnetIPv6 = netip.MustParsePrefix("fd7a:115c:a1e0::/48")
)

type validator struct {
	s    *Spec
	errs Errors
}

func (v *validator) add(msg string, path ...any) { v.errs = append(v.errs, v.s.errAt(msg, path...)) }

func (v *validator) warn(msg string, path ...any) {
	v.s.warnings = append(v.s.warnings, v.s.errAt(msg, path...))
}

func (s *Spec) validate() error {
	v := &validator{s: s}
	v.cluster()
	v.tailnet()
	v.nodes()
	v.endpoint()
	v.safety()
	byLine := func(a, b *Error) int { return a.Line - b.Line }
	slices.SortStableFunc(v.errs, byLine)
	slices.SortStableFunc(s.warnings, byLine)
	return v.errs.err()
}

func (v *validator) cluster() {
	c := &v.s.Cluster
	if c.Name == "" {
		v.add("is required", "cluster", "name")
	} else if !labelRe.MatchString(c.Name) {
		v.add(fmt.Sprintf("%q is not a valid cluster name (letters, digits and dashes)", c.Name), "cluster", "name")
	}
	if c.Endpoint == "" {
		v.add("is required (the Kubernetes API endpoint, e.g. https://192.168.1.10:6443)", "cluster", "endpoint")
	} else if u, err := url.Parse(c.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
		v.add(fmt.Sprintf("%q is not an https:// URL", c.Endpoint), "cluster", "endpoint")
	}
	target, err := talosconf.Contract(c.TalosVersion)
	if err != nil {
		v.add(err.Error(), "cluster", "talosVersion")
	}
	v.createdWith(target)
	if c.KubernetesVersion != "" && target != nil {
		if err := talosconf.KubernetesSupported(c.TalosVersion, c.KubernetesVersion); err != nil {
			v.add(err.Error(), "cluster", "kubernetesVersion")
		}
	}
	switch c.Mode {
	case ModeManagement, ModeClusterNetwork:
	default:
		v.add(fmt.Sprintf("unknown mode %q (want management or cluster-network)", c.Mode), "cluster", "mode")
	}
	switch c.KubeSpan {
	case KubeSpanDisabled, KubeSpanFiltered, KubeSpanKeep:
	default:
		v.add(fmt.Sprintf("unknown policy %q (want disabled, filtered or keep)", c.KubeSpan), "cluster", "kubespan")
	}
	for i, e := range c.Extensions {
		if !extNameRe.MatchString(e) {
			v.add(fmt.Sprintf("%q is not an official extension name (owner/name, e.g. siderolabs/iscsi-tools)", e), "cluster", "extensions", i)
		}
	}
	if c.UnderlayFamily != 4 && c.UnderlayFamily != 6 {
		v.add("must be 4 or 6 (the IP family WireGuard packets travel in)", "cluster", "underlayFamily")
	}
	if c.UnderlayMTU != 0 && (c.UnderlayMTU < 576 || c.UnderlayMTU > 65535) {
		v.add(fmt.Sprintf("%d is not a plausible MTU (576–65535)", c.UnderlayMTU), "cluster", "underlayMTU")
	}
	if !strings.HasPrefix(c.InstallDisk, "/dev/") {
		v.add(fmt.Sprintf("%q is not a device path (e.g. /dev/sda, /dev/nvme0n1)", c.InstallDisk), "cluster", "installDisk")
	}
	if len(c.LANSubnets) == 0 {
		v.add("is required: the subnets the nodes' LAN addresses are in", "cluster", "lanSubnets")
	}

	type named struct {
		p    netip.Prefix
		path []any
	}
	var all []named
	for _, list := range []struct {
		key   string
		items []string
	}{{"lanSubnets", c.LANSubnets}, {"podSubnets", c.PodSubnets}, {"serviceSubnets", c.ServiceSubnets}} {
		for i, cidr := range list.items {
			path := []any{"cluster", list.key, i}
			p, ok := v.prefix(cidr, path)
			if !ok {
				continue
			}
			switch {
			case list.key == "lanSubnets" && cgnatLAN(p) && c.Mode != ModeClusterNetwork:
				// A physical network numbered from CGNAT space: the policy
				// grants disable-linux-cgnat-drop-rule (plan.Policy).
			case list.key == "lanSubnets" && cgnatLAN(p):
				v.add(fmt.Sprintf("%s is inside the tailnet range %s: in cluster-network mode kubelet and etcd, pinned to %s, could not tell the LAN from the tailnet", p, TailnetIPv4, TailnetIPv4), path...)
			case p.Overlaps(TailnetIPv4) || p.Overlaps(TailnetIPv6):
				v.add(fmt.Sprintf("%s overlaps the tailnet range (%s, %s): tailscaled drops and reroutes that traffic", p, TailnetIPv4, TailnetIPv6), path...)
			}
			for _, o := range all {
				if o.p.Overlaps(p) {
					v.add(fmt.Sprintf("%s overlaps %s (%s)", p, o.p, fieldName(o.path...)), path...)
				}
			}
			all = append(all, named{p, path})
		}
	}
}

// cgnatLAN reports whether p is a LAN numbered from CGNAT space: strictly
// inside 100.64.0.0/10, so tailnet addresses outside it stay apart.
func cgnatLAN(p netip.Prefix) bool {
	return p.Addr().Is4() && p.Bits() > TailnetIPv4.Bits() && TailnetIPv4.Contains(p.Addr())
}

// createdWith checks the version the nodes' configs were generated with:
// a Talos version no newer than the target (configs come from the past).
func (v *validator) createdWith(target *talosconfig.VersionContract) {
	c := &v.s.Cluster
	if c.LegacyConfig {
		v.warn("legacyConfig is the older spelling of createdWith; write createdWith: v1.13 (the Talos version that generated the machine configs)", "cluster", "legacyConfig")
	}
	if c.CreatedWith == "" {
		return
	}
	created, err := talosconfig.ParseContractFromVersion(c.CreatedWith)
	if err != nil {
		v.add(fmt.Sprintf("%q is not a Talos version (e.g. v1.13 or v1.13.9)", c.CreatedWith), "cluster", "createdWith")
		return
	}
	if target != nil && created.Greater(target) {
		v.add(fmt.Sprintf("%s is newer than talosVersion %s: configs are generated by the Talos version the cluster was created with, or an older one", c.CreatedWith, c.TalosVersion), "cluster", "createdWith")
	}
	if c.LegacyConfig && created.MultidocKubernetesConfigSupported() {
		v.add(fmt.Sprintf("legacyConfig: true says the configs predate Talos 1.14, createdWith %s says not; keep createdWith only", c.CreatedWith), "cluster", "legacyConfig")
	}
}

// endpoint warns when the Kubernetes API endpoint is none of the nodes and
// not the documented VIP: talosctl gen config bakes it into every config,
// and a wrong one is found only when kubelets cannot reach the API.
func (v *validator) endpoint() {
	s := v.s
	u, err := url.Parse(s.Cluster.Endpoint)
	if err != nil || u.Hostname() == "" {
		return
	}
	host := strings.ToLower(u.Hostname())
	if s.Cluster.VIP != "" && strings.EqualFold(s.Cluster.VIP, host) {
		return
	}
	addr, addrErr := netip.ParseAddr(host)
	for _, n := range s.Nodes {
		if a, err := netip.ParseAddr(n.Address); err == nil && addrErr == nil && a == addr {
			if n.Role == "worker" {
				v.warn(fmt.Sprintf("%s is worker %s: the Kubernetes API runs on control-plane nodes", host, n.Name), "cluster", "endpoint")
			}
			return
		}
		for _, name := range []string{n.Name, s.Hostname(n), s.MagicDNSName(n)} {
			if name != "" && strings.EqualFold(name, host) {
				return
			}
		}
	}
	if s.Cluster.VIP != "" {
		v.warn(fmt.Sprintf("host %s is neither a node nor cluster.vip %s", host, s.Cluster.VIP), "cluster", "endpoint")
		return
	}
	v.warn(fmt.Sprintf("host %s is not a node's address or name: if it is a Talos VIP or a load balancer, say so with cluster.vip: %s", host, host), "cluster", "endpoint")
}

// prefix parses a CIDR and insists on the canonical form, as the tailscale
// CLI does for routes ("has non-address bits set").
func (v *validator) prefix(cidr string, path []any) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		v.add(fmt.Sprintf("%q is not a CIDR prefix", cidr), path...)
		return p, false
	}
	if p.Masked() != p {
		v.add(fmt.Sprintf("%s has host bits set; did you mean %s?", cidr, p.Masked()), path...)
		return p, false
	}
	return p, true
}

func (v *validator) tailnet() {
	t := &v.s.Tailnet
	v.auth()
	for i, tag := range t.Tags {
		if !tagRe.MatchString(tag) {
			v.add(fmt.Sprintf("%q is not a valid tag (tag:name, name starting with a letter; letters, digits, dashes)", tag), "tailnet", "tags", i)
		}
	}
	if t.Auth.OAuthSecret != "" && len(t.Tags) == 0 {
		v.add("an OAuth client secret needs tags (tailscale: \"oauth authkeys require --advertise-tags\")", "tailnet", "tags")
	}
	if !strings.Contains(t.Hostname, "{node}") && len(v.s.Nodes) > 1 {
		v.add(fmt.Sprintf("pattern %q gives every node the same name; include {node}", t.Hostname), "tailnet", "hostname")
	}
	if t.Domain != "" && !domainRe.MatchString(t.Domain) {
		v.add(fmt.Sprintf("%q is not a DNS domain (e.g. tail1234.ts.net)", t.Domain), "tailnet", "domain")
	}
	if t.LoginServer != "" {
		if u, err := url.Parse(t.LoginServer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.add(fmt.Sprintf("%q is not an http(s) URL", t.LoginServer), "tailnet", "loginServer")
		}
		if t.Auth.OAuthSecret != "" {
			v.add("an OAuth client secret with a Headscale login server: Headscale has no OAuth clients, so containerboot's key exchange fails and the node never joins; use a pre-auth key (headscale preauthkeys create --reusable --tags ...) as authKey",
				"tailnet", "auth", "oauthSecret")
		}
		if len(t.Admins) == 0 {
			v.add("is required with a Headscale login server, which has no autogroup:admin: list users (alice@) or groups (group:admins)", "tailnet", "admins")
		}
	}
	if t.Port < 0 || t.Port > 65535 {
		v.add(fmt.Sprintf("%d is not a UDP port", t.Port), "tailnet", "port")
	}
	if t.Port == 51820 && v.s.Cluster.KubeSpan != KubeSpanDisabled {
		v.add("51820 is KubeSpan's WireGuard port; pick another (default 41641) or disable KubeSpan", "tailnet", "port")
	}
	v.mtu(t.MTU, v.s.Cluster.UnderlayMTU, "tailnet", "mtu")
	v.extension(t.Extension)
	if c := t.MSSClamp; !c.Off && c.Value != 0 && (c.Value < MinClampMTU || c.Value > MaxClampMTU) {
		v.add(fmt.Sprintf("%d is not a path MTU the clamp accepts (%d–%d)", c.Value, MinClampMTU, MaxClampMTU), "tailnet", "mssClamp")
	}
	for i, r := range t.Routes.Advertise {
		path := []any{"tailnet", "routes", "advertise", i}
		switch r {
		case "pods", "services":
			continue
		}
		p, ok := v.prefix(r, path)
		if !ok {
			continue
		}
		if p.Bits() == 0 {
			v.add("a default route is an exit node: use tailnet.exitNode instead", path...)
		} else if p.Overlaps(TailnetIPv4) || p.Overlaps(TailnetIPv6) {
			v.add(fmt.Sprintf("%s overlaps the tailnet range %s", p, TailnetIPv4), path...)
		}
	}
	v.selector(t.Routes.On, "tailnet", "routes", "on")
	v.selector(t.ExitNode.On, "tailnet", "exitNode", "on")
	if t.Operator.Hostname != "" && !labelRe.MatchString(t.Operator.Hostname) {
		v.add(fmt.Sprintf("%q is not a valid hostname", t.Operator.Hostname), "tailnet", "operator", "hostname")
	}
}

func (v *validator) auth() {
	a := v.s.Tailnet.Auth
	switch {
	case a.AuthKey == "" && a.OAuthSecret == "":
		v.add("set authKey or oauthSecret (env:NAME or file:PATH)", "tailnet", "auth")
		return
	case a.AuthKey != "" && a.OAuthSecret != "":
		v.add("set only one of authKey and oauthSecret", "tailnet", "auth")
		return
	}
	key, val := "authKey", a.AuthKey
	if a.OAuthSecret != "" {
		key, val = "oauthSecret", a.OAuthSecret
	}
	path := []any{"tailnet", "auth", key}
	switch ref := ParseSecretRef(val); ref.Kind {
	case RefEnv:
		switch {
		case envNameRe.MatchString(ref.Value):
		case secret.Mask(ref.Value) != ref.Value:
			// A key pasted where the name belongs: never echoed, not even
			// the part a folded line would leave after masking.
			v.add("env: holds a credential, not a variable name; export the key and reference it, e.g. env:TS_AUTHKEY", path...)
		default:
			v.add(fmt.Sprintf("env:%s is not an environment variable name", clipValue(ref.Value)), path...)
		}
	case RefFile:
		if ref.Value == "" {
			v.add("file: needs a path", path...)
		}
	case RefInline:
		// Never echo the value: it is a secret.
		if !a.AllowInline {
			v.add("holds the secret inline; reference it as env:NAME or file:PATH (or set allowInline: true)", path...)
		}
	}
}

func (v *validator) mtu(m MTU, underlay int, path ...any) {
	if m.Auto && underlay == 0 {
		v.add("auto needs the underlay MTU: set cluster.underlayMTU (or the node's underlayMTU)", path...)
	}
	if !m.Auto && m.Value != 0 && (m.Value < 576 || m.Value > mtu.MaxTUN) {
		v.add(fmt.Sprintf("%d is outside the TUN MTUs tailscale can use (576–%d)", m.Value, mtu.MaxTUN), path...)
	}
}

func (v *validator) selector(on []string, path ...any) {
	for i, name := range on {
		if name == "all" || name == "controlplane" || name == "worker" {
			continue
		}
		if !slices.ContainsFunc(v.s.Nodes, func(n Node) bool { return n.Name == name }) {
			v.add(fmt.Sprintf("%q is neither a node name nor controlplane, worker or all", name), append(path, i)...)
		}
	}
}

func (v *validator) nodes() {
	s := v.s
	if len(s.Nodes) == 0 {
		v.add("at least one node is required", "nodes")
	}
	var lans []netip.Prefix
	for _, c := range s.Cluster.LANSubnets {
		if p, err := netip.ParsePrefix(c); err == nil {
			lans = append(lans, p)
		}
	}
	seen := map[string]int{}
	hostnames := map[string]int{}
	addrs := map[netip.Addr]int{}
	for i, n := range s.Nodes {
		if n.Name == "" {
			v.add("is required", "nodes", i, "name")
		} else if j, dup := seen[n.Name]; dup {
			v.add(fmt.Sprintf("duplicate node name %q (also nodes[%d])", n.Name, j), "nodes", i, "name")
		} else {
			seen[n.Name] = i
		}
		if _, err := talosconf.ParseRole(n.Role); err != nil {
			v.add(err.Error(), "nodes", i, "role")
		}
		addr, err := netip.ParseAddr(n.Address)
		switch {
		case n.Address == "":
			v.add("is required (the node's LAN address)", "nodes", i, "address")
		case err != nil:
			v.add(fmt.Sprintf("%q is not an IP address", n.Address), "nodes", i, "address")
		case len(lans) > 0 && !slices.ContainsFunc(lans, func(p netip.Prefix) bool { return p.Contains(addr) }):
			v.add(fmt.Sprintf("%s is outside the LAN subnets %s", addr, strings.Join(s.Cluster.LANSubnets, ", ")), "nodes", i, "address")
		}
		if err == nil {
			if j, dup := addrs[addr.Unmap()]; dup {
				v.add(fmt.Sprintf("duplicate node address %s (also nodes[%d], %s): talosctl would configure one machine twice", addr, j, s.Nodes[j].Name), "nodes", i, "address")
			} else {
				addrs[addr.Unmap()] = i
			}
		}
		host := s.Hostname(n)
		if !labelRe.MatchString(host) {
			v.add(fmt.Sprintf("tailnet hostname %q is not a valid DNS label", host), "nodes", i, "name")
		} else if j, dup := hostnames[strings.ToLower(host)]; dup {
			v.add(fmt.Sprintf("tailnet hostname %q is also nodes[%d]'s: the second device would become %s-1", host, j, host), "nodes", i, "hostname")
		} else {
			hostnames[strings.ToLower(host)] = i
		}
		for j, tag := range n.Tags {
			if !tagRe.MatchString(tag) {
				v.add(fmt.Sprintf("%q is not a valid tag", tag), "nodes", i, "tags", j)
			}
		}
		if !strings.HasPrefix(n.InstallDisk, "/dev/") {
			v.add(fmt.Sprintf("%q is not a device path (e.g. /dev/sda)", n.InstallDisk), "nodes", i, "installDisk")
		}
		if n.Port < 0 || n.Port > 65535 {
			v.add(fmt.Sprintf("%d is not a UDP port", n.Port), "nodes", i, "port")
		}
		underlay := n.UnderlayMTU
		if underlay == 0 {
			underlay = s.Cluster.UnderlayMTU
		}
		m := n.MTU
		if !m.IsSet() {
			m = s.Tailnet.MTU
		}
		v.mtu(m, underlay, "nodes", i, "mtu")
	}
}
