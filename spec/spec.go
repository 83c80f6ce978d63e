// Package spec is tailos's declarative input, tailos.yaml: one small file
// describing a cluster, its nodes and the tailnet choices. It is parsed
// strictly (unknown keys and wrong types are errors with file:line), then
// defaults are applied and the whole is validated.
package spec

// Spec is the parsed tailos.yaml.
type Spec struct {
	Cluster Cluster `yaml:"cluster" json:"cluster"`
	Tailnet Tailnet `yaml:"tailnet" json:"tailnet"`
	Nodes   []Node  `yaml:"nodes" json:"nodes"`

	// file and positions let later checks report file:line.
	file string
	pos  *positions
	// warnings are problems that do not stop generation.
	warnings Errors
}

// Warnings are located problems worth telling the user that do not make
// the spec invalid, in file order.
func (s *Spec) Warnings() []string {
	out := make([]string, len(s.warnings))
	for i, w := range s.warnings {
		out[i] = w.Error()
	}
	return out
}

// Mode is how the cluster uses the tailnet.
type Mode string

const (
	// ModeManagement: the tailnet reaches nodes; Kubernetes stays on the LAN.
	ModeManagement Mode = "management"
	// ModeClusterNetwork: kubelet and etcd deliberately run over the tailnet.
	ModeClusterNetwork Mode = "cluster-network"
)

// Cluster describes the Talos side.
type Cluster struct {
	Name              string `yaml:"name" json:"name"`
	Endpoint          string `yaml:"endpoint" json:"endpoint"`
	TalosVersion      string `yaml:"talosVersion,omitempty" json:"talosVersion,omitempty"`
	KubernetesVersion string `yaml:"kubernetesVersion,omitempty" json:"kubernetesVersion,omitempty"`
	// CreatedWith is the Talos version whose tooling (talosctl gen config,
	// talhelper, Omni) generated the nodes' machine configs. A config keeps
	// that shape through every upgrade and patches must match it: v1alpha1
	// fields for configs made before 1.14, the 1.14 documents after. Empty
	// means a new cluster: talosVersion. --base overrides it.
	CreatedWith string `yaml:"createdWith,omitempty" json:"createdWith,omitempty"`
	// LegacyConfig is the older spelling of createdWith: v1.13.
	LegacyConfig bool `yaml:"legacyConfig,omitempty" json:"legacyConfig,omitempty"`
	// VIP is the shared address (Talos VIP or a load balancer) the endpoint
	// names when it is not a node; tailos records it, it does not set it up.
	VIP        string `yaml:"vip,omitempty" json:"vip,omitempty"`
	Platform   string `yaml:"platform,omitempty" json:"platform,omitempty"`
	Arch       string `yaml:"arch,omitempty" json:"arch,omitempty"`
	SecureBoot bool   `yaml:"secureBoot,omitempty" json:"secureBoot,omitempty"`
	Factory    string `yaml:"factory,omitempty" json:"factory,omitempty"`
	// InstallDisk is the system disk (default /dev/sda, as talosctl gen
	// config); Talos 1.14 patches must restate it (see plan.documents).
	InstallDisk    string   `yaml:"installDisk,omitempty" json:"installDisk,omitempty"`
	Extensions     []string `yaml:"extensions,omitempty" json:"extensions,omitempty"`
	KernelArgs     []string `yaml:"kernelArgs,omitempty" json:"kernelArgs,omitempty"`
	LANSubnets     []string `yaml:"lanSubnets" json:"lanSubnets"`
	PodSubnets     []string `yaml:"podSubnets,omitempty" json:"podSubnets,omitempty"`
	ServiceSubnets []string `yaml:"serviceSubnets,omitempty" json:"serviceSubnets,omitempty"`
	Mode           Mode     `yaml:"mode,omitempty" json:"mode,omitempty"`
	// KubeSpan: disabled, filtered (endpoints exclude the tailnet) or keep.
	KubeSpan string `yaml:"kubespan,omitempty" json:"kubespan,omitempty"`
	// UnderlayMTU is the LAN MTU, for `mtu: auto`; UnderlayFamily the outer
	// IP family of WireGuard packets on it (6 is the worst case).
	UnderlayMTU    int `yaml:"underlayMTU,omitempty" json:"underlayMTU,omitempty"`
	UnderlayFamily int `yaml:"underlayFamily,omitempty" json:"underlayFamily,omitempty"`
}

// Tailnet describes the Tailscale side.
type Tailnet struct {
	Auth Auth     `yaml:"auth" json:"auth"`
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Hostname is a pattern; {node} and {cluster} are replaced.
	Hostname string `yaml:"hostname,omitempty" json:"hostname,omitempty"`
	// Domain is the tailnet's MagicDNS suffix (tailXXXX.ts.net or the
	// Headscale base domain); nodes' MagicDNS names go into certSANs.
	Domain      string `yaml:"domain,omitempty" json:"domain,omitempty"`
	LoginServer string `yaml:"loginServer,omitempty" json:"loginServer,omitempty"`
	AcceptDNS   bool   `yaml:"acceptDNS,omitempty" json:"acceptDNS,omitempty"`
	// AcceptRoutes lets nodes use routes other routers advertise.
	AcceptRoutes bool     `yaml:"acceptRoutes,omitempty" json:"acceptRoutes,omitempty"`
	Routes       Routes   `yaml:"routes,omitempty" json:"routes,omitempty"`
	ExitNode     Selector `yaml:"exitNode,omitempty" json:"exitNode,omitempty"`
	// SNATSubnetRoutes: nil means Tailscale's default (true).
	SNATSubnetRoutes *bool `yaml:"snatSubnetRoutes,omitempty" json:"snatSubnetRoutes,omitempty"`
	SSH              bool  `yaml:"ssh,omitempty" json:"ssh,omitempty"`
	Port             int   `yaml:"port,omitempty" json:"port,omitempty"`
	MTU              MTU   `yaml:"mtu,omitempty" json:"mtu,omitempty"`
	// MSSClamp is the TCP MSS clamp of the tailos-built extension on subnet
	// routers and exit nodes (default auto; the official extension has none).
	MSSClamp MSSClamp `yaml:"mssClamp,omitempty" json:"mssClamp,omitempty"`
	// Extension chooses the Tailscale system extension: the official one
	// (default) or a tailos-built image and the installer made with it.
	Extension Extension `yaml:"extension,omitempty" json:"extension,omitempty"`
	// IPv6 says whether the tailnet carries IPv6 inside (Tailscale always
	// assigns fd7a:115c:a1e0::/48 addresses; Headscale can run without).
	// nil means true. false lets `mtu: auto` go below 1280, where Linux
	// removes IPv6 from tailscale0.
	IPv6 *bool `yaml:"ipv6,omitempty" json:"ipv6,omitempty"`
	// Admins are the policy sources allowed to reach the Talos and
	// Kubernetes APIs and to own the tags.
	Admins   []string `yaml:"admins,omitempty" json:"admins,omitempty"`
	Operator Operator `yaml:"operator,omitempty" json:"operator,omitempty"`
}

// Auth references the credential the nodes log in with. Values are
// references (env:NAME or file:PATH); inline secrets need AllowInline.
type Auth struct {
	AuthKey     string `yaml:"authKey,omitempty" json:"authKey,omitempty"`
	OAuthSecret string `yaml:"oauthSecret,omitempty" json:"oauthSecret,omitempty"`
	AllowInline bool   `yaml:"allowInline,omitempty" json:"allowInline,omitempty"`
}

// Routes are the subnet routes advertised and the nodes advertising them.
type Routes struct {
	// Advertise holds "pods", "services" or CIDRs.
	Advertise []string `yaml:"advertise,omitempty" json:"advertise,omitempty"`
	On        []string `yaml:"on,omitempty" json:"on,omitempty"`
}

// Selector picks nodes by name or by role ("controlplane", "worker", "all").
type Selector struct {
	On []string `yaml:"on,omitempty" json:"on,omitempty"`
}

// Operator is the hybrid setup: the Tailscale Kubernetes operator for
// workloads next to the extension on the nodes.
type Operator struct {
	Enabled  bool   `yaml:"enabled,omitempty" json:"enabled,omitempty"`
	Hostname string `yaml:"hostname,omitempty" json:"hostname,omitempty"`
}

// Node is one Talos machine.
type Node struct {
	Name    string `yaml:"name" json:"name"`
	Role    string `yaml:"role" json:"role"`
	Address string `yaml:"address" json:"address"`
	// Overrides of the tailnet settings for this node.
	Hostname    string   `yaml:"hostname,omitempty" json:"hostname,omitempty"`
	Tags        []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Port        int      `yaml:"port,omitempty" json:"port,omitempty"`
	MTU         MTU      `yaml:"mtu,omitempty" json:"mtu,omitempty"`
	UnderlayMTU int      `yaml:"underlayMTU,omitempty" json:"underlayMTU,omitempty"`
	Platform    string   `yaml:"platform,omitempty" json:"platform,omitempty"`
	InstallDisk string   `yaml:"installDisk,omitempty" json:"installDisk,omitempty"`
}
