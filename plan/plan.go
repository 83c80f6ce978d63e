package plan

import (
	"fmt"
	"net/netip"

	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/mtu"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// Plan is everything tailos generates for one spec.
type Plan struct {
	Spec *spec.Spec

	Schematic   *schematic.Schematic
	SchematicID string

	Nodes []Node

	// Policy is the tailnet policy snippet (HuJSON).
	Policy []byte
	// Operator is set when the hybrid operator is enabled.
	Operator *Operator
	// Auth describes how the credential reaches the nodes.
	Auth Auth
	// Shape is where the patches put the settings Talos 1.13/1.14 moved.
	Shape talosconf.Shape
}

// Node is one node's share of the plan.
type Node struct {
	Spec     spec.Node
	Role     machine.Type
	Hostname string
	MagicDNS string // empty unless the tailnet domain is known

	// Environment is the ExtensionServiceConfig environment, with the auth
	// key as a placeholder (see Auth).
	Environment []string
	// Documents are the node's patch, as machinery documents.
	Documents []config.Document

	InstallImage string
	Routes       []netip.Prefix
	ExitNode     bool
	// MTU is the computed TS_DEBUG_MTU with its arithmetic, when asked for.
	MTU *mtu.Result
	// Warnings are things worth telling the user about this node.
	Warnings []string
}

// Options tune the plan.
type Options struct {
	// SeparateAuth leaves TS_AUTHKEY out of the node patches: a separate
	// secret patch supplies it. Talos appends environment lists when it
	// merges, so a placeholder left in the node patch would reach the
	// container next to the real key (the last one wins there).
	SeparateAuth bool
	// Shape overrides the spec's shape (createdWith, talosVersion): the
	// shape read from the cluster's own configs.
	Shape *talosconf.Shape
}

// Build computes the plan for a parsed spec.
func Build(s *spec.Spec, opts Options) (*Plan, error) {
	sch := Schematic(s)
	id, err := sch.ID()
	if err != nil {
		return nil, fmt.Errorf("schematic ID: %w", err)
	}
	shape, err := s.Shape()
	if err != nil {
		return nil, err
	}
	if opts.Shape != nil {
		shape = *opts.Shape
	}
	p := &Plan{Spec: s, Schematic: sch, SchematicID: id, Auth: authFor(s), Shape: shape}
	for _, n := range s.Nodes {
		np, err := buildNode(s, n, id, shape, p.Auth, opts.SeparateAuth)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Name, err)
		}
		p.Nodes = append(p.Nodes, np)
	}
	p.Policy, err = Policy(s)
	if err != nil {
		return nil, err
	}
	if s.Tailnet.Operator.Enabled {
		if p.Operator, err = buildOperator(s); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Schematic is the Image Factory schematic every node installs: the
// Tailscale extension first, then the extra extensions in spec order.
func Schematic(s *spec.Spec) *schematic.Schematic {
	exts := []string{schematic.TailscaleExtension}
	for _, e := range s.Cluster.Extensions {
		if e != schematic.TailscaleExtension {
			exts = append(exts, e)
		}
	}
	return schematic.New(exts, s.Cluster.KernelArgs)
}

// Target is the factory target for a node's platform.
func Target(s *spec.Spec, n spec.Node) schematic.Target {
	return schematic.Target{
		Factory:      s.Cluster.Factory,
		TalosVersion: s.Cluster.TalosVersion,
		Platform:     n.Platform,
		Arch:         s.Cluster.Arch,
		SecureBoot:   s.Cluster.SecureBoot,
	}
}
