package lint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
)

// Run does what `tailos check` does, in one call: here a patch that turns
// the auth-once guard off, in a directory next to an Image Factory
// schematic (which is reported as ignored, not as an error).
func ExampleRun() {
	dir, err := os.MkdirTemp("", "tailos-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	patch := `apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: tailscale
environment:
  - TS_AUTHKEY=file:/var/lib/tailscale/authkey
  - TS_AUTH_ONCE=false
`
	schematic := "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/tailscale]\n"
	if err := os.WriteFile(filepath.Join(dir, "tailscale.yaml"), []byte(patch), 0o600); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "schematic.yaml"), []byte(schematic), 0o600); err != nil {
		panic(err)
	}

	res, err := lint.Run(context.Background(), lint.Request{Paths: []string{dir}})
	if err != nil {
		panic(err)
	}
	for _, in := range res.Report.Inputs {
		fmt.Printf("%s: %s\n", filepath.Base(in.File), in.Status)
	}
	for _, f := range res.Report.Findings {
		if f.Severity < rules.Warning {
			continue
		}
		fmt.Printf("%s:%d: %s %s\n", filepath.Base(f.File), f.Line, f.Rule, f.Severity)
	}
	// Line 0 is a field the patch does not set (the node IP, etcd's subnets).

	// Output:
	// tailscale.yaml: checked
	// schematic.yaml: ignored
	// tailscale.yaml:6: TS032 warning
	// tailscale.yaml:0: TS050 warning
	// tailscale.yaml:0: TS060 warning
}

// Stream is Run for a fleet: each input comes as soon as it is checked,
// and what compares the nodes (here two routers advertising one route,
// TS103) comes at the end.
func ExampleStream() {
	dir, err := os.MkdirTemp("", "tailos-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	router := `apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: tailscale
environment:
  - TS_AUTHKEY=file:/var/lib/tailscale/authkey
  - TS_AUTH_ONCE=true
  - TS_ROUTES=10.96.0.0/12
`
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(router), 0o600); err != nil {
			panic(err)
		}
	}
	tail, err := lint.Stream(context.Background(), lint.Request{Paths: []string{dir}}, func(in report.Input, fs []rules.Finding) error {
		fmt.Printf("%s: %s, %d findings of its own\n", filepath.Base(in.File), in.Status, len(fs))
		return nil
	})
	if err != nil {
		panic(err)
	}
	for _, c := range tail.Cross {
		for _, f := range c.Findings {
			fmt.Printf("input %d, %s:%d: %s\n", c.Input, filepath.Base(f.File), f.Line, f.Rule)
		}
	}

	// Output:
	// a.yaml: checked, 5 findings of its own
	// b.yaml: checked, 5 findings of its own
	// input 0, a.yaml:7: TS103
	// input 1, b.yaml:7: TS103
}
