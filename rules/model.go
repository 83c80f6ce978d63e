package rules

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
)

// DocRef names a machine config document the way strategic merge matches
// them: apiVersion/kind[/name]. The zero DocRef is the v1alpha1 config.
type DocRef struct {
	Kind string
	Name string
}

// IsV1Alpha1 reports whether the reference is the legacy v1alpha1 document.
func (d DocRef) IsV1Alpha1() bool { return d.Kind == "" }

// Documents the rules refer to.
var (
	DocV1Alpha1     = DocRef{}
	DocTailscaleESC = DocRef{Kind: "ExtensionServiceConfig", Name: tailscaleext.ServiceName}
)

// Loc is where a result sits: a field path in a document, or an entry of
// the tailscale ExtensionServiceConfig environment.
type Loc struct {
	Doc  DocRef
	Path []string // YAML keys from the document root
	// EnvKey names an environment entry (TS_AUTHKEY); Path is then ignored.
	EnvKey string
}

// At builds a Loc for a field path ("machine.install.image").
func At(doc DocRef, path string) Loc {
	if path == "" {
		return Loc{Doc: doc}
	}
	return Loc{Doc: doc, Path: strings.Split(path, ".")}
}

// AtEnv builds a Loc for an environment entry.
func AtEnv(key string) Loc { return Loc{Doc: DocTailscaleESC, EnvKey: key} }

// Edit is one change of a fix. Env edits rewrite the tailscale
// ExtensionServiceConfig environment; field edits set a document field.
type Edit struct {
	// EnvKey with EnvValue sets KEY=VALUE (replacing every entry of KEY);
	// with EnvDelete removes KEY.
	EnvKey    string
	EnvValue  string
	EnvDelete bool
	// DropFlags, Dedupe and AddArgs edit the flags in an argument variable
	// (TS_EXTRA_ARGS) in place, so several fixes of one variable compose.
	DropFlags []string
	Dedupe    bool
	AddArgs   string

	// Doc/Path/Value set a field. Lists are appended to by strategic merge
	// unless Replace is set, in which case the old value is deleted first.
	Doc     DocRef
	Path    []string
	Value   any
	Replace bool
	// Delete removes the field instead of setting it.
	Delete bool
}

// SetEnv is an Edit setting an environment entry.
func SetEnv(key, value string) Edit { return Edit{EnvKey: key, EnvValue: value} }

// DeleteEnv is an Edit removing an environment entry.
func DeleteEnv(key string) Edit { return Edit{EnvKey: key, EnvDelete: true} }

// DropFlags is an Edit removing flags from an argument variable.
func DropFlags(key string, names ...string) Edit { return Edit{EnvKey: key, DropFlags: names} }

// SetField is an Edit setting (or appending to) a document field.
func SetField(doc DocRef, path string, value any, replace bool) Edit {
	return Edit{Doc: doc, Path: strings.Split(path, "."), Value: value, Replace: replace}
}

// NodeFacts are what the cross-node rules see of each node: its name, its
// Tailscale settings, its addresses and its node IP subnets. A run over many
// files keeps only these of each (memory stays small per file), so a
// cross-node rule must not read more.
type NodeFacts struct {
	File string
	Node string
	// Tailscale is the tailscale ExtensionServiceConfig, nil when absent.
	Tailscale *Tailscale
	// Addresses are the node's statically configured addresses.
	Addresses []netip.Prefix
	NodeIP    Subnets // kubelet node IP selection
}

// Config is what rules see of one node's configuration. The lint package
// fills it from machinery, resolving the v1alpha1 fields against the
// Talos 1.12–1.14 documents that replace them (the new document wins).
type Config struct {
	// NodeFacts are the fields the cross-node rules read.
	NodeFacts

	Role string // controlplane, worker, or "" when unknown

	Mode       Mode
	ModeReason string

	// Complete is true when the configuration is a whole machine config
	// (or a patch applied to a given base); false when a patch was applied
	// to a generated stand-in base, whose values say nothing about the node.
	Complete bool

	Install InstallInfo

	// LegacyAuthEnv is set when machine.files writes the pre-1.7
	// /var/etc/tailscale/auth.env that the extension no longer reads.
	LegacyAuthEnv *Loc
	// InstallExtensions lists deprecated machine.install.extensions images.
	InstallExtensions []string
	// MachineEnv is machine.env: the environment of Talos's own processes.
	MachineEnv map[string]string
	// MachineFiles are the machine.files entries.
	MachineFiles []MachineFile
	// Load is what loading the input showed before machinery saw it.
	Load LoadFacts
	// Unread names the parts of the model that could not be built (a
	// method panicking on a section the input lacks), with what was
	// recovered: the rules reading those parts saw them empty.
	Unread []string

	// TalosVersion is the target Talos version (v1.13.0) when the input
	// says (talhelper talosVersion, the install image tag), else "".
	TalosVersion string

	// ShapeConflicts are documents of the Talos 1.13/1.14 shape next to the
	// v1alpha1 fields they replace, which Talos refuses (complete configs
	// only: a stand-in base says nothing about the node's shape).
	ShapeConflicts []ShapeConflict
	// LegacyNodeIP is the v1alpha1 machine.kubelet.nodeIP.validSubnets when
	// a KubeNodeConfig document shadows it.
	LegacyNodeIP []string
	// TailscaleLink is set when the config declares tailscale0 as a Talos
	// network link (which tailscaled owns).
	TailscaleLink *Loc
	Etcd          Subnets // etcd advertisedSubnets (control planes only)

	// LinkMTU is the largest MTU configured on a physical link, 0 if none.
	LinkMTU int

	PodCIDRs     []netip.Prefix
	ServiceCIDRs []netip.Prefix

	Sysctls        map[string]string
	SysctlMultiDoc bool // SysctlConfig documents are in use

	KubeSpan KubeSpanInfo

	CertSANs      []string // machine.certSANs (Talos API)
	APIServerSANs []string

	Nameservers   []string
	SearchDomains []string

	// TailnetDomain is the MagicDNS suffix (tail1234.ts.net) when known.
	TailnetDomain string

	// ClusterEndpoint is cluster.controlPlane.endpoint as written in the
	// input ("" when the input does not set it).
	ClusterEndpoint   string
	ClusterEndpointAt Loc

	// Firewall is the Talos ingress firewall (NetworkDefaultActionConfig
	// and NetworkRuleConfig documents).
	Firewall Firewall
}

// Firewall is the Talos ingress firewall configuration.
type Firewall struct {
	// Block is true when NetworkDefaultActionConfig sets ingress: block.
	Block bool
	At    Loc
	Rules []FirewallRule
}

// FirewallRule is one NetworkRuleConfig document.
type FirewallRule struct {
	Name     string
	Protocol string // tcp, udp, icmp, icmpv6
	Ports    [][2]uint16
	Subnets  []netip.Prefix
	Except   []netip.Prefix
}

// Admits reports whether some rule lets proto traffic from src reach port.
func (f Firewall) Admits(proto string, src netip.Prefix, port uint16) bool {
	for _, r := range f.Rules {
		if r.Protocol != proto {
			continue
		}
		inPort := false
		for _, pr := range r.Ports {
			if port >= pr[0] && port <= pr[1] {
				inPort = true
			}
		}
		if !inPort {
			continue
		}
		for _, s := range r.Subnets {
			if !covers(s, src) {
				continue
			}
			excluded := false
			for _, e := range r.Except {
				if e.Overlaps(src) {
					excluded = true
				}
			}
			if !excluded {
				return true
			}
		}
	}
	return false
}

// MachineFile is one machine.files entry.
type MachineFile struct {
	Path    string
	Content string
	Op      string // create, append or overwrite; "" is invalid
	Mode    uint32 // permissions
	At      Loc
}

// LoadFacts are facts about the input that machinery's model does not keep.
type LoadFacts struct {
	// Invalid are fields Talos does not have, removed from the input so the
	// rest could be checked (talosctl would reject the whole document).
	Invalid []InvalidField
	// TailscaleDocs counts the ExtensionServiceConfig documents named
	// tailscale that strategic merge combined into this configuration.
	TailscaleDocs int
	// Templated are environment keys whose value the input takes from a
	// ${VAR} placeholder (filled in by --env): not written in the file.
	Templated []string
	// Tool is the configuration tool whose input this was rendered from
	// (talhelper, topf, talstomize), "" for plain configs and patches.
	Tool string
}

// InvalidField is a field Talos does not have, with its YAML value.
type InvalidField struct {
	At    Loc
	Value string
}

// InstallInfo is the installer image and what is known of its schematic.
type InstallInfo struct {
	Image    string
	At       Loc
	MultiDoc bool // from UnattendedInstallConfig
	// FromInput is false when the image comes from a stand-in base.
	FromInput bool
	// Factory is true for an Image Factory installer reference.
	Factory     bool
	SchematicID string
	// SchematicKnown is true when the schematic's extensions are known
	// (the empty schematic, or a schematic given to the linter).
	SchematicKnown bool
	Extensions     []string
	// Custom is true for a non-factory installer whose extensions the
	// linter was told (an imager build, e.g. with the tailos extension).
	Custom bool
	// Unresolved is true when the image is a template reference
	// (${installer_url}, {{ .Image }}) that tailos cannot judge.
	Unresolved bool
}

// TalosBefore reports whether the known Talos version is older than
// major.minor; false when unknown.
func (c *Config) TalosBefore(major, minor int) bool {
	return imagefactory.TalosBefore(c.TalosVersion, major, minor)
}

// HasExtension reports whether the known schematic has the extension.
func (i InstallInfo) HasExtension(name string) bool {
	for _, e := range i.Extensions {
		if e == name {
			return true
		}
	}
	return false
}

// Subnets is a kubelet validSubnets or etcd advertisedSubnets setting.
type Subnets struct {
	Values   []string
	At       Loc
	MultiDoc bool // from KubeNodeConfig
	// Set is true when the field is present in the configuration.
	Set bool
}

// Unresolved reports whether an entry is a template reference: the list
// is then not judged.
func (s Subnets) Unresolved() bool { return slices.ContainsFunc(s.Values, Unresolved) }

// KubeSpanInfo is the KubeSpan configuration.
type KubeSpanInfo struct {
	Enabled   bool
	Endpoints []string
	At        Loc
	MultiDoc  bool
}

// Tailscale is the tailscale ExtensionServiceConfig.
type Tailscale struct {
	Env []EnvVar
	// Mounts are the configFiles mount paths.
	Mounts []string
}

// EnvVar is one environment entry, in document order.
type EnvVar struct {
	Key   string
	Value string
}

// Lookup returns the value of key in effect: the last entry, because runc
// keeps the last of duplicated variables (libcontainer/env.go prepareEnv)
// and merged ExtensionServiceConfig documents concatenate their lists.
func (t *Tailscale) Lookup(key string) (string, bool) {
	for i := len(t.Env) - 1; i >= 0; i-- {
		if t.Env[i].Key == key {
			return t.Env[i].Value, true
		}
	}
	return "", false
}

// Get returns the value of key or "".
func (t *Tailscale) Get(key string) string {
	v, _ := t.Lookup(key)
	return v
}

// AuthKey returns the auth key variable in effect (TS_AUTHKEY wins over
// TS_AUTH_KEY, as containerboot's cmp.Or does) and its value.
func (t *Tailscale) AuthKey() (key, value string, ok bool) {
	if v, ok := t.Lookup("TS_AUTHKEY"); ok && v != "" {
		return "TS_AUTHKEY", v, true
	}
	if v, ok := t.Lookup("TS_AUTH_KEY"); ok && v != "" {
		return "TS_AUTH_KEY", v, true
	}
	if f, ok := t.ExtraArgs().Find("auth-key"); ok && f.Value != "" {
		return "TS_EXTRA_ARGS", f.Value, true
	}
	return "", "", false
}

// ExtraArgs parses TS_EXTRA_ARGS the way containerboot splits it.
func (t *Tailscale) ExtraArgs() Flags { return ParseFlags(t.Get("TS_EXTRA_ARGS")) }

// TailscaledArgs parses TS_TAILSCALED_EXTRA_ARGS.
func (t *Tailscale) TailscaledArgs() Flags { return ParseFlags(t.Get("TS_TAILSCALED_EXTRA_ARGS")) }

// Flag is one command-line flag.
type Flag struct {
	Name     string // canonical name without dashes (aliases resolved)
	Raw      string // as written
	Value    string
	HasValue bool // written as --name=value
}

// Flags is a parsed argument list.
type Flags []Flag

// flagAliases are the renames the tailscale CLI applies before parsing
// (cmd/tailscale/cli/cli.go CleanUpArgs), so aliases count as repeats.
var flagAliases = map[string]string{"authkey": "auth-key", "posture-checking": "report-posture"}

// valueFlags take a separate value argument when written without "=".
var valueFlags = map[string]bool{
	"auth-key": true, "client-id": true, "client-secret": true, "id-token": true, "audience": true,
	"login-server": true, "exit-node": true, "advertise-tags": true, "hostname": true,
	"advertise-routes": true, "operator": true, "netfilter-mode": true, "timeout": true,
	"qr-format": true, "nickname": true, "port": true, "state": true, "statedir": true,
	"socket": true, "tun": true, "socks5-server": true, "outbound-http-proxy-listen": true,
	"config": true, "debug": true, "relay-server-port": true,
}

// ParseFlags splits s on whitespace (strings.Fields, as containerboot does)
// and groups flags with their values.
func ParseFlags(s string) Flags {
	fields := strings.Fields(s)
	var out Flags
	for i := 0; i < len(fields); i++ {
		raw := fields[i]
		if !strings.HasPrefix(raw, "-") {
			continue
		}
		name := strings.TrimLeft(raw, "-")
		f := Flag{Raw: raw}
		if n, v, ok := strings.Cut(name, "="); ok {
			name, f.Value, f.HasValue = n, v, true
		}
		if a, ok := flagAliases[name]; ok {
			name = a
		}
		f.Name = name
		if !f.HasValue && valueFlags[name] && i+1 < len(fields) && !strings.HasPrefix(fields[i+1], "-") {
			f.Value = fields[i+1]
			i++
		}
		out = append(out, f)
	}
	return out
}

// Find returns the first flag named name.
func (fs Flags) Find(name string) (Flag, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Flag{}, false
}

// Bool reports a boolean flag's value: set is false when absent.
func (fs Flags) Bool(name string) (value, set bool) {
	f, ok := fs.Find(name)
	if !ok {
		return false, false
	}
	if !f.HasValue {
		return true, true
	}
	return parseBool(f.Value), true
}

// Without returns the argument string with the named flags removed.
func (fs Flags) Without(names ...string) string {
	var parts []string
	for _, f := range fs {
		drop := false
		for _, n := range names {
			if f.Name == n {
				drop = true
			}
		}
		if drop {
			continue
		}
		if f.HasValue || f.Value == "" {
			parts = append(parts, f.Raw)
		} else {
			parts = append(parts, f.Raw, f.Value)
		}
	}
	return strings.Join(parts, " ")
}

// parseBool follows strconv.ParseBool; anything else is false, which is
// what containerboot's defaults do for TS_ACCEPT_DNS and TS_AUTH_ONCE.
func parseBool(s string) bool {
	switch s {
	case "1", "t", "T", "TRUE", "true", "True":
		return true
	}
	return false
}

// ShapeConflict is one document machinery's conflict validation refuses
// next to the config's v1alpha1 fields.
type ShapeConflict struct {
	Kind   string
	Reason string
}
