package doctor

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/resources/config"
	"github.com/siderolabs/talos/pkg/machinery/resources/etcd"
	"github.com/siderolabs/talos/pkg/machinery/resources/k8s"
	"github.com/siderolabs/talos/pkg/machinery/resources/kubespan"
	"github.com/siderolabs/talos/pkg/machinery/resources/network"
	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
	"github.com/siderolabs/talos/pkg/machinery/resources/v1alpha1"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/talosapi"
)

// ServiceID is the Talos service the Tailscale extension runs as.
const ServiceID = tailscaleext.ServiceID

// TailscaleLink is the interface tailscaled creates.
const TailscaleLink = "tailscale0"

// LogLines is how much of the service log Gather reads.
const LogLines = 200

// Gather reads everything the checks need from the node ctx targets
// (talosapi.WithNode). It returns an error only when the node could not be
// reached at all (its version call failed); every other failure is kept in
// the Evidence for the check it concerns.
func Gather(ctx context.Context, c *client.Client, node string) (*Evidence, error) {
	ev := &Evidence{Node: node}
	v, err := talosapi.Version(ctx, c)
	if err != nil {
		return ev, err
	}
	ev.TalosVersion = v.Tag

	if hs, err := talosapi.Get[*network.HostnameStatus](ctx, c, network.HostnameID); err == nil {
		ev.Hostname = hs.TypedSpec().Hostname
	}
	if pm, err := talosapi.Get[*runtime.PlatformMetadata](ctx, c, runtime.PlatformMetadataID); err == nil {
		ev.Platform = pm.TypedSpec().Platform
	}
	if exts, err := talosapi.List[*runtime.ExtensionStatus](ctx, c); err != nil {
		ev.ExtensionsErr = err
	} else {
		for _, e := range exts {
			ev.Extensions = append(ev.Extensions, *e.TypedSpec())
		}
	}
	if s, err := talosapi.Get[*runtime.ImageFactorySchematic](ctx, c, runtime.ImageFactorySchematicID); err == nil {
		ev.Schematic = s.TypedSpec()
	} else if !talosapi.IsNotFound(err) {
		ev.SchematicErr = err
	}

	ev.Service, ev.ServiceErr = talosapi.Service(ctx, c, ServiceID)
	if ev.Service == nil && ev.ServiceErr == nil {
		// ServiceList may omit a service machined never registered;
		// COSI says whether it exists at all.
		if _, err := talosapi.Get[*v1alpha1.Service](ctx, c, ServiceID); err != nil && !talosapi.IsNotFound(err) {
			ev.ServiceErr = err
		}
	}
	if ev.Service != nil {
		ev.Log, ev.LogErr = talosapi.ServiceLog(ctx, c, ServiceID, LogLines)
	}

	if l, err := talosapi.Get[*network.LinkStatus](ctx, c, TailscaleLink); err == nil {
		ev.Link = l.TypedSpec()
	} else if !talosapi.IsNotFound(err) {
		ev.LinkErr = err
	}
	if addrs, err := talosapi.List[*network.AddressStatus](ctx, c); err != nil {
		ev.AddrsErr = err
	} else {
		for _, a := range addrs {
			if a.TypedSpec().LinkName == TailscaleLink {
				ev.TailnetAddrs = append(ev.TailnetAddrs, a.TypedSpec().Address)
			}
		}
	}

	if ip, err := talosapi.Get[*k8s.NodeIP](ctx, c, k8s.KubeletID); err == nil {
		ev.NodeIPs = ip.TypedSpec().Addresses
	} else if !talosapi.IsNotFound(err) {
		ev.NodeIPsErr = err
	}
	if s, err := talosapi.Get[*etcd.Spec](ctx, c, etcd.SpecID); err == nil {
		ev.Etcd = s.TypedSpec()
		if ms, err := talosapi.EtcdMembers(ctx, c); err == nil {
			for _, m := range ms {
				ev.EtcdPeerURLs = append(ev.EtcdPeerURLs, m.PeerUrls...)
			}
		}
	} else if !talosapi.IsNotFound(err) {
		ev.EtcdErr = err
	}
	if r, err := talosapi.Get[*network.ResolverStatus](ctx, c, network.ResolverID); err == nil {
		ev.Resolvers = resolverAddrs(r.TypedSpec())
	} else if !talosapi.IsNotFound(err) {
		ev.ResolversErr = err
	}
	if peers, err := talosapi.List[*kubespan.PeerStatus](ctx, c); err != nil {
		ev.KubeSpanErr = err
	} else {
		for _, p := range peers {
			ev.KubeSpanPeers = append(ev.KubeSpanPeers, *p.TypedSpec())
		}
	}

	if mc, err := talosapi.Get[*config.MachineConfig](ctx, c, config.ActiveID); err != nil {
		ev.ConfigErr = err
	} else {
		ev.Config = mc.Provider()
	}
	if ev.Config == nil && ev.ConfigErr == nil {
		ev.ConfigErr = errors.New("no active machine config")
	}
	return ev, nil
}

func resolverAddrs(s *network.ResolverStatusSpec) []netip.Addr {
	if len(s.NameServers) == 0 {
		return s.DNSServers
	}
	var out []netip.Addr
	for _, ns := range s.NameServers {
		out = append(out, ns.Addr)
	}
	return out
}

// envValue returns the last value of key in an environment list (runc
// keeps the last entry of a repeated variable).
func envValue(env []string, key string) (string, bool) {
	v, ok := "", false
	for _, e := range env {
		if k, val, found := strings.Cut(e, "="); found && k == key {
			v, ok = val, true
		}
	}
	return v, ok
}
