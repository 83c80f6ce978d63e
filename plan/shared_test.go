package plan

import (
	"reflect"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/cel"
	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime"

	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/spec"
)

const sharedID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"

// What the nodes share is computed once and is what computing it for
// each node gives; a different input gets its own value, and an error is
// remembered as an error.
func TestSharedComputesOncePerValue(t *testing.T) {
	c := newShared(sharedID)
	metal := schematic.Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}
	aws := schematic.Target{TalosVersion: "v1.14.1", Platform: "aws", Arch: "amd64"}
	bad := schematic.Target{TalosVersion: "v1.14.1", Platform: "nowhere", Arch: "amd64"}
	for range 3 {
		for _, tg := range []schematic.Target{metal, aws, bad} {
			got, err := c.installerImage(tg)
			want, wantErr := schematic.InstallerImage(tg, sharedID)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Errorf("%s: %q, %v; computed on its own: %q, %v", tg.Platform, got, err, want, wantErr)
			}
			if (err != nil) != (tg == bad) {
				t.Errorf("%s: error %v", tg.Platform, err)
			}
		}
	}
	if len(c.images) != 3 {
		t.Errorf("%d targets resolved, want 3", len(c.images))
	}

	a, err := c.diskSelector("/dev/sda")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.diskSelector("/dev/sda")
	other, _ := c.diskSelector("/dev/nvme0n1")
	if ast(a) != ast(b) {
		t.Error("two nodes on /dev/sda parsed the selector twice")
	}
	if ast(a) == ast(other) {
		t.Error("/dev/nvme0n1 shares /dev/sda's selector")
	}
	own, err := cel.ParseBooleanExpression(`disk.dev_path == "/dev/nvme0n1"`, celenv.DiskLocator())
	if err != nil {
		t.Fatal(err)
	}
	if g, w := text(t, other), text(t, own); g != w {
		t.Errorf("shared selector %q, parsed on its own %q", g, w)
	}
}

// In a plan the nodes on one disk share one selector, and a node on
// another disk has its own.
func TestBuildSharesSelectors(t *testing.T) {
	s, err := spec.Parse("c.yaml", []byte(`cluster:
  name: c
  endpoint: https://192.168.1.10:6443
  lanSubnets: [192.168.1.0/24]
tailnet:
  auth: {authKey: env:TS_AUTHKEY}
nodes:
  - {name: a, role: controlplane, address: 192.168.1.11}
  - {name: b, role: worker, address: 192.168.1.21}
  - {name: c, role: worker, address: 192.168.1.22, installDisk: /dev/nvme0n1}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sel := make([]cel.Expression, len(p.Nodes))
	for i, n := range p.Nodes {
		for _, d := range n.Documents {
			if ui, ok := d.(*runtime.UnattendedInstallConfigV1Alpha1); ok {
				sel[i] = ui.ProvisioningSpec.DiskSelector.Match
			}
		}
		if ast(sel[i]) == 0 {
			t.Fatalf("node %s has no disk selector", n.Spec.Name)
		}
	}
	if ast(sel[0]) != ast(sel[1]) {
		t.Error("nodes a and b on /dev/sda do not share the selector")
	}
	if ast(sel[2]) == ast(sel[0]) {
		t.Error("node c on /dev/nvme0n1 shares /dev/sda's selector")
	}
	if got := text(t, sel[2]); got != `disk.dev_path == "/dev/nvme0n1"` {
		t.Errorf("node c's selector is %q", got)
	}
}

// ast is the address of the expression's checked syntax tree.
func ast(e cel.Expression) uintptr { return reflect.ValueOf(e).FieldByName("ast").Pointer() }

func text(t *testing.T, e cel.Expression) string {
	t.Helper()
	b, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
