package plan

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/types/k8s"
	"github.com/siderolabs/talos/pkg/machinery/config/types/network"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"
	"github.com/siderolabs/talos/pkg/machinery/config/types/v1alpha1"

	"github.com/tailos/tailos/facts/tailnetip"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// KubeSpanEndpointFilters advertise every address but the tailnet's, so
// KubeSpan never tunnels WireGuard through tailscale0.
var KubeSpanEndpointFilters = tailnetip.EndpointFilters()

type docInput struct {
	shared       *shared
	s            *spec.Spec
	n            spec.Node
	role         machine.Type
	env          []string
	installImage string
	certSANs     []string
	forwarding   bool
}

// documents builds the node's patch from machinery's typed documents, so
// field names and nesting are Talos's own.
func documents(in docInput, sh talosconf.Shape) ([]config.Document, error) {
	esc := extensions.NewServicesConfigV1Alpha1()
	esc.ServiceName = tailscaleext.ServiceName
	esc.ServiceEnvironment = in.env
	docs := []config.Document{esc}

	v1 := &v1alpha1.Config{ConfigVersion: "v1alpha1", MachineConfig: &v1alpha1.MachineConfig{}}
	mc := v1.MachineConfig
	mc.MachineCertSANs = in.certSANs

	pinned := in.s.PinnedSubnets()
	if sh.KubeNodeConfig {
		kn := k8s.NewKubeNodeConfigV1Alpha1()
		kn.NodeIPConfig.NodeIPValidSubnets = pinned
		docs = append(docs, kn)
	} else {
		//nolint:staticcheck // the v1alpha1 shape (Talos without KubeNodeConfig) has only this field
		mc.MachineKubelet = &v1alpha1.KubeletConfig{
			KubeletNodeIP: &v1alpha1.KubeletNodeIPConfig{KubeletNodeIPValidSubnets: pinned},
		}
	}
	if in.role == machine.TypeControlPlane {
		// etcd advertises the first routed address unless told otherwise,
		// and 100.64.x sorts before 172.16/12 and 192.168/16.
		v1.ClusterConfig = &v1alpha1.ClusterConfig{
			EtcdConfig: &v1alpha1.EtcdConfig{EtcdAdvertisedSubnets: slices.Clone(pinned)},
		}
	}

	if sh.UnattendedInstallConfig {
		ui := runtime.NewUnattendedInstallConfigV1Alpha1()
		ui.Installer.Image = in.installImage
		// machinery v1.14.1 merges the disk selector's CEL expression without
		// a zero check: a patch that leaves it out wipes the node's selector
		// and the config no longer validates. So the patch restates it.
		sel, err := in.shared.diskSelector(in.n.InstallDisk)
		if err != nil {
			return nil, fmt.Errorf("install disk %q: %w", in.n.InstallDisk, err)
		}
		ui.ProvisioningSpec.DiskSelector.Match = sel
		docs = append(docs, ui)
	} else {
		mc.MachineInstall = &v1alpha1.InstallConfig{InstallImage: in.installImage} //nolint:staticcheck // the v1alpha1 shape (Talos without UnattendedInstall)
	}

	if in.forwarding {
		// Talos sets net.ipv6.conf.default.forwarding only; Tailscale checks
		// "all" for IPv6 routes and exit nodes.
		params := map[string]string{"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
		if sh.SysctlConfig {
			sc := runtime.NewSysctlConfigV1Alpha1()
			sc.Params = params
			docs = append(docs, sc)
		} else {
			mc.MachineSysctls = params //nolint:staticcheck // the v1alpha1 shape (Talos without SysctlConfig)
		}
	}

	switch in.s.Cluster.KubeSpan {
	case spec.KubeSpanDisabled:
		if sh.KubeSpanConfig {
			ks := network.NewKubeSpanV1Alpha1()
			ks.ConfigEnabled = new(false)
			docs = append(docs, ks)
		} else {
			mc.MachineNetwork = &v1alpha1.NetworkConfig{NetworkKubeSpan: &v1alpha1.NetworkKubeSpan{KubeSpanEnabled: new(false)}} //nolint:staticcheck // the v1alpha1 shape (Talos without KubeSpanConfig)
		}
	case spec.KubeSpanFiltered:
		if sh.KubeSpanConfig {
			ks := network.NewKubeSpanV1Alpha1()
			ks.ConfigFilters = &network.KubeSpanFiltersConfig{ConfigEndpoints: slices.Clone(KubeSpanEndpointFilters)}
			docs = append(docs, ks)
		} else {
			//nolint:staticcheck // the v1alpha1 shape (Talos without KubeSpanConfig)
			mc.MachineNetwork = &v1alpha1.NetworkConfig{NetworkKubeSpan: &v1alpha1.NetworkKubeSpan{
				KubeSpanFilters: &v1alpha1.KubeSpanFilters{KubeSpanFiltersEndpoints: slices.Clone(KubeSpanEndpointFilters)},
			}}
		}
	}
	// v1alpha1 first, as talosctl writes it.
	return append([]config.Document{v1}, docs...), nil
}

// certSANs are the names talosctl may use to reach the node over the
// tailnet; node addresses (100.x included) are added by Talos itself.
func certSANs(s *spec.Spec, n spec.Node) []string {
	sans := []string{s.Hostname(n)}
	if fqdn := s.MagicDNSName(n); fqdn != "" {
		sans = append(sans, fqdn)
	}
	return sans
}

// needsForwarding: routers of IPv6 prefixes and exit nodes need
// net.ipv6.conf.all.forwarding; any router gets IPv4 forwarding pinned too.
func needsForwarding(routes []netip.Prefix, exit bool) bool { return exit || len(routes) > 0 }
