package spec

import (
	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/talosconf"
)

// Defaults that match what Talos and Tailscale do when nothing is said.
const (
	DefaultPlatform      = "metal"
	DefaultArch          = "amd64"
	DefaultFactory       = imagefactory.DefaultURL
	DefaultInstallDisk   = "/dev/sda"      // talosctl gen config's default
	DefaultPodSubnet     = "10.244.0.0/16" // Talos's default pod CIDR
	DefaultServiceSubnet = "10.96.0.0/12"  // Talos's default service CIDR
	DefaultTag           = "tag:talos"
	DefaultHostname      = "{node}"
	// DefaultPort is the port Tailscale's packages use; inside the extension
	// tailscaled would otherwise pick a random one (no systemd unit sets PORT).
	DefaultPort             = 41641
	DefaultOperatorHostname = "tailscale-operator"
	// DefaultAdmin owns the tags and reaches the APIs on Tailscale's SaaS.
	DefaultAdmin = "autogroup:admin"
)

// KubeSpan policies.
const (
	KubeSpanDisabled = "disabled"
	KubeSpanFiltered = "filtered"
	KubeSpanKeep     = "keep"
)

func (s *Spec) applyDefaults() {
	c := &s.Cluster
	if c.TalosVersion == "" {
		c.TalosVersion = talosconf.DefaultTalosVersion
	}
	if c.Platform == "" {
		c.Platform = DefaultPlatform
	}
	if c.Arch == "" {
		c.Arch = DefaultArch
	}
	if c.Factory == "" {
		c.Factory = DefaultFactory
	}
	if c.InstallDisk == "" {
		c.InstallDisk = DefaultInstallDisk
	}
	if len(c.PodSubnets) == 0 {
		c.PodSubnets = []string{DefaultPodSubnet}
	}
	if len(c.ServiceSubnets) == 0 {
		c.ServiceSubnets = []string{DefaultServiceSubnet}
	}
	if c.Mode == "" {
		c.Mode = ModeManagement
	}
	if c.KubeSpan == "" {
		// Over the tailnet KubeSpan would be WireGuard inside WireGuard.
		c.KubeSpan = KubeSpanFiltered
		if c.Mode == ModeClusterNetwork {
			c.KubeSpan = KubeSpanDisabled
		}
	}
	if c.UnderlayFamily == 0 {
		c.UnderlayFamily = 6 // the worst case: 80 bytes of overhead
	}

	t := &s.Tailnet
	if len(t.Tags) == 0 {
		t.Tags = []string{DefaultTag}
	}
	if t.Hostname == "" {
		t.Hostname = DefaultHostname
	}
	if t.Port == 0 {
		t.Port = DefaultPort
	}
	if len(t.Routes.Advertise) > 0 && len(t.Routes.On) == 0 {
		t.Routes.On = []string{"controlplane"}
	}
	if len(t.Admins) == 0 && t.LoginServer == "" {
		t.Admins = []string{DefaultAdmin}
	}
	if t.Operator.Enabled && t.Operator.Hostname == "" {
		t.Operator.Hostname = DefaultOperatorHostname
	}
	for i := range s.Nodes {
		if s.Nodes[i].Platform == "" {
			s.Nodes[i].Platform = c.Platform
		}
		if s.Nodes[i].InstallDisk == "" {
			s.Nodes[i].InstallDisk = c.InstallDisk
		}
	}
}
