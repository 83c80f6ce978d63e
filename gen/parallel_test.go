package gen

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/talosconf"
)

// patchedBases are machinery's bases for both roles with patch applied, so
// the catalogue finds the same thing on every node gen verifies.
func patchedBases(t *testing.T, patch string) []BaseConfig {
	t.Helper()
	bases := userBases(t, "v1.13.0", "controlplane", "worker")
	for i := range bases {
		cfg, err := configloader.NewFromBytes(bases[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err = talosconf.Apply(cfg, []byte(patch)); err != nil {
			t.Fatal(err)
		}
		if bases[i].Data, err = cfg.Bytes(); err != nil {
			t.Fatal(err)
		}
	}
	return bases
}

// nodesNamed returns, in order, the node of each line that matches re.
func nodesNamed(lines []string, re *regexp.Regexp) []string {
	var out []string
	for _, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// Nodes are verified concurrently, yet every node is linted once and what
// they find is reported in node order, as a sequential run would.
func TestVerifyReportsInNodeOrder(t *testing.T) {
	bases := patchedBases(t, "machine:\n  network:\n    interfaces:\n      - interface: tailscale0\n        dhcp: false\n")
	for _, n := range []int{1, 2, 37} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := fleetSpec(t, n)
			_, err := Generate(s, Options{Bases: bases})
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a VerifyError", err)
			}
			var want []string
			for _, node := range s.Nodes {
				want = append(want, node.Name)
			}
			if got := nodesNamed(ve.Problems, regexp.MustCompile(`^node (\S+): TS052:`)); !slices.Equal(got, want) {
				t.Errorf("TS052 problems out of node order or missing:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// Warnings keep node order too.
func TestVerifyWarningsInNodeOrder(t *testing.T) {
	s := fleetSpec(t, 25)
	bases := patchedBases(t, "machine:\n  network:\n    nameservers: [100.100.100.100, 1.1.1.1]\n")
	out, err := Generate(s, Options{Bases: bases})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range s.Nodes {
		want = append(want, n.Name)
	}
	if got := nodesNamed(out.Warnings, regexp.MustCompile(`^node (\S+): TS071:`)); !slices.Equal(got, want) {
		t.Errorf("TS071 warnings in order %q, want %q", got, want)
	}
}
