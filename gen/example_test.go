package gen_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tailos/tailos/gen"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/spec"
)

// A Go program builds the spec in Go, generates the cluster's files (each
// node's patch applied to a machinery-generated config and validated) and
// writes them as one set.
func Example() {
	s, err := spec.New(
		spec.Cluster{
			Name:         "homelab",
			Endpoint:     "https://192.168.1.10:6443",
			TalosVersion: "v1.14.1",
			LANSubnets:   []string{"192.168.1.0/24"},
		},
		spec.Tailnet{Auth: spec.Auth{AuthKey: "env:TS_AUTHKEY"}},
		spec.Node{Name: "cp-1", Role: "controlplane", Address: "192.168.1.10"},
		spec.Node{Name: "worker-1", Role: "worker", Address: "192.168.1.21"},
	)
	if err != nil {
		log.Fatal(err) // spec.Errors: every problem, by field
	}
	out, err := gen.Generate(s, gen.Options{})
	if err != nil {
		log.Fatal(err) // *gen.VerifyError when a node does not validate
	}
	dir, err := os.MkdirTemp("", "tailos-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	res, err := render.Write(filepath.Join(dir, "out"), out.Files, render.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("schematic:", out.Index.Schematic.ID)
	fmt.Println("installer:", out.Index.Schematic.Installer)
	fmt.Println("shape:", out.Shape.Name)
	for _, n := range out.Index.Nodes {
		fmt.Println(n.Role, n.Name, n.Patches)
	}
	fmt.Println("written:", res.Written)
	// Output:
	// schematic: 4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b
	// installer: factory.talos.dev/metal-installer/4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b:v1.14.1
	// shape: v1.14
	// controlplane cp-1 [nodes/cp-1.yaml]
	// worker worker-1 [nodes/worker-1.yaml]
	// written: [schematic.yaml nodes/cp-1.yaml nodes/worker-1.yaml tailnet/policy.hujson NEXT-STEPS.md]
}
