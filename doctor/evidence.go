package doctor

import (
	"net/netip"

	machineapi "github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/resources/etcd"
	"github.com/siderolabs/talos/pkg/machinery/resources/kubespan"
	"github.com/siderolabs/talos/pkg/machinery/resources/network"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
)

// Evidence is what one node reported through the Talos API. Each part
// carries the error that kept it from being read; a nil value with a nil
// error means the node does not have it (no etcd on a worker).
type Evidence struct {
	Node string

	Hostname     string
	TalosVersion string
	// Platform is Talos's platform (metal, aws, container, ...), "" unknown.
	Platform   string
	VersionErr error

	Extensions    []runtime.ExtensionStatusSpec
	ExtensionsErr error

	// Schematic is the node's running Image Factory schematic (Talos ≥ 1.14).
	Schematic    *runtime.ImageFactorySchematicSpec
	SchematicErr error

	Service    *machineapi.ServiceInfo
	ServiceErr error
	Log        []string
	LogErr     error

	Link    *network.LinkStatusSpec // tailscale0
	LinkErr error
	// TailnetAddrs are the addresses on tailscale0.
	TailnetAddrs []netip.Prefix
	AddrsErr     error

	NodeIPs    []netip.Addr // kubelet's node IPs
	NodeIPsErr error

	Etcd    *etcd.SpecSpec
	EtcdErr error
	// EtcdPeerURLs are the peer URLs of the etcd members as this node sees them.
	EtcdPeerURLs []string

	Resolvers    []netip.Addr
	ResolversErr error

	KubeSpanPeers []kubespan.PeerStatusSpec
	KubeSpanErr   error

	// Config is the live machine config (needs os:admin).
	Config    config.Provider
	ConfigErr error
}
