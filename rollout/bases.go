package rollout

import (
	"context"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/config/container"

	"github.com/tailos/tailos/spec"
)

// LiveBase is a config read from a live node, to use as gen's --base.
type LiveBase struct {
	// Name says where it came from: "node cp-1 (192.168.1.11)".
	Name string
	// Data is the node's machine config without tailos's own
	// ExtensionServiceConfig. It holds the machine's secrets: keep it in
	// memory, never write it.
	Data []byte
}

// LiveBases reads the machine config of one node per role (the first
// control plane and the first worker of the spec, or the nodes given), so
// that gen writes the patches in the shape the cluster's configs have.
func LiveBases(ctx context.Context, c *client.Client, s *spec.Spec, only []string) ([]LiveBase, error) {
	targets, err := Targets(s, only)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []LiveBase
	for _, t := range targets {
		role := t.Spec.Role
		if role == "init" {
			role = "controlplane"
		}
		if len(only) == 0 && seen[role] {
			continue
		}
		seen[role] = true
		live, _, err := Live(ctx, c, t.Spec.Address)
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", t.Spec.Name, t.Spec.Address, err)
		}
		cfg, err := container.New(withoutTailscale(live)...)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", t.Spec.Name, err)
		}
		data, err := cfg.Bytes()
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", t.Spec.Name, err)
		}
		out = append(out, LiveBase{Name: fmt.Sprintf("node %s (%s)", t.Spec.Name, t.Spec.Address), Data: data})
	}
	return out, nil
}
