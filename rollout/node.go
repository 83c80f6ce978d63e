package rollout

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config/config"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// Target is a spec node to roll out to, addressed through the Talos API by
// its spec address.
type Target struct {
	Spec spec.Node
}

// Targets are the spec's nodes, in spec order, limited to only (names or
// addresses, as -n gives them) when set. A name the spec does not know is
// an error: apply never guesses a node's patch.
func Targets(s *spec.Spec, only []string) ([]Target, error) {
	var out []Target
	used := map[string]bool{}
	for _, n := range s.Nodes {
		if len(only) > 0 && !matchAny(only, n, used) {
			continue
		}
		out = append(out, Target{Spec: n})
	}
	for _, o := range only {
		if !used[o] {
			return nil, fmt.Errorf("node %q is not in %s (its nodes are named by name or address)", o, s.File())
		}
	}
	return out, nil
}

func matchAny(only []string, n spec.Node, used map[string]bool) bool {
	hit := false
	for _, o := range only {
		if strings.EqualFold(o, n.Name) || strings.EqualFold(o, n.Address) {
			used[o] = true
			hit = true
		}
	}
	return hit
}

// NodePlan is one node's patch, built in the shape of its live config.
type NodePlan struct {
	Node  plan.Node
	Plan  *plan.Plan
	Shape talosconf.Shape
	// Patches are the node patch, then the credential patch when a secret
	// was given, then the extra patches.
	Patches [][]byte
}

// PlanNode builds the node's patch from the spec in the shape live has:
// the documents the running Talos version accepts, and of those the ones
// live itself uses (talosconf.ShapeOfConfigs, as gen does for --base).
// secretValue, when not empty, is the resolved credential: it goes into a
// patch of its own, never into a placeholder.
func PlanNode(s *spec.Spec, t Target, live config.Provider, talosVersion, secretValue string) (*NodePlan, error) {
	target, err := talosconf.ShapeOfVersion(talosVersion)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", t.Spec.Name, err)
	}
	shape := talosconf.ShapeOfConfigs(target, live)
	p, err := plan.Build(s, plan.Options{SeparateAuth: secretValue != "", Shape: &shape})
	if err != nil {
		return nil, err
	}
	var np *plan.Node
	for i := range p.Nodes {
		if p.Nodes[i].Spec.Name == t.Spec.Name {
			np = &p.Nodes[i]
		}
	}
	if np == nil {
		return nil, fmt.Errorf("node %s: not in the plan", t.Spec.Name)
	}
	patch, err := np.Patch("")
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", t.Spec.Name, err)
	}
	out := &NodePlan{Node: *np, Plan: p, Shape: shape, Patches: [][]byte{patch}}
	if secretValue != "" {
		sp, err := plan.EncodeDocuments("", []coreconfig.Document{p.Auth.SecretDocument(secretValue)})
		if err != nil {
			return nil, err
		}
		out.Patches = append(out.Patches, sp)
	}
	return out, nil
}
