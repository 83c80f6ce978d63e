package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/spec"
)

// Planning a node's upgrade: the installer is the factory installer of the
// spec's schematic, else of the node's running one, at the target version;
// one that would drop siderolabs/tailscale is refused with the reason.
func TestPlanStep(t *testing.T) {
	s, err := spec.Load("../examples/homelab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	specID, err := plan.Schematic(s).ID()
	if err != nil {
		t.Fatal(err)
	}
	withTS, _ := schematic.New([]string{tailscaleext.Name, "siderolabs/iscsi-tools"}, nil).ID()
	withoutTS, _ := schematic.New([]string{"siderolabs/iscsi-tools"}, nil).ID()
	node := s.Nodes[0]
	facts := func(id string, exts ...string) Facts {
		return Facts{Address: "192.168.1.11", Version: "v1.14.1", Arch: "amd64", Platform: "metal", SchematicID: id, Extensions: exts}
	}
	tests := []struct {
		name      string
		useSpec   bool
		image     string
		to        string
		facts     Facts
		installer string
		source    string
		err       string
		unsafe    bool
	}{
		{name: "spec schematic", useSpec: true, to: "v1.14.2", facts: facts(withTS, tailscaleext.Name),
			installer: "factory.talos.dev/metal-installer/" + specID + ":v1.14.2", source: "spec"},
		{name: "the node's running schematic", to: "v1.14.2", facts: facts(withTS, tailscaleext.Name, "siderolabs/iscsi-tools"),
			installer: "factory.talos.dev/metal-installer/" + withTS + ":v1.14.2", source: "node"},
		{name: "running schematic without tailscale", to: "v1.14.2", facts: facts(withoutTS, "siderolabs/iscsi-tools"),
			unsafe: true, err: "does not include siderolabs/tailscale"},
		{name: "empty schematic", to: "v1.14.2", facts: facts(imagefactory.EmptySchematicID),
			unsafe: true, err: "empty schematic"},
		{name: "vanilla installer given", useSpec: true, to: "v1.14.2", image: "ghcr.io/siderolabs/installer:v1.14.2", facts: facts(withTS, tailscaleext.Name),
			unsafe: true, err: "not an Image Factory installer"},
		{name: "unknown schematic given", to: "v1.14.2", image: "factory.talos.dev/metal-installer/" + withoutTS + ":v1.14.2", facts: facts(""),
			unsafe: true, err: "is unknown here"},
		{name: "no schematic anywhere", to: "v1.14.2", facts: facts(""), err: "reports no Image Factory schematic"},
		{name: "bad version", useSpec: true, to: "latest", facts: facts(withTS), err: "--to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := UpgradeRequest{To: tt.to, Image: tt.image}
			var n *spec.Node
			if tt.useSpec {
				req.Spec, n = s, &node
			}
			st, err := PlanStep(context.Background(), req, n, tt.facts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				if errors.Is(err, ErrUnsafeInstaller) != tt.unsafe {
					t.Errorf("ErrUnsafeInstaller %v, want %v: %v", errors.Is(err, ErrUnsafeInstaller), tt.unsafe, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Installer != tt.installer || st.Source != tt.source || !st.Verdict.Safe {
				t.Errorf("step %+v, want installer %s from %s, safe", st, tt.installer, tt.source)
			}
		})
	}
}
