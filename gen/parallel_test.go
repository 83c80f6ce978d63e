package gen

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config"
)

// Nodes are verified concurrently, yet every node is linted once and what
// they find is reported in node order, as a sequential run would.
func TestVerifyReportsInNodeOrder(t *testing.T) {
	for _, n := range []int{1, 2, 37} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := fleetSpec(t, n)
			lint := func(_ config.Provider, in LintInput) []Finding {
				return []Finding{
					{Rule: "T1", Severity: "error", Message: "error on " + in.Node},
					{Rule: "T2", Severity: "warning", Message: "warning on " + in.Node},
				}
			}
			_, err := Generate(s, Options{Lint: lint})
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a VerifyError", err)
			}
			var want []string
			for _, node := range s.Nodes {
				want = append(want, fmt.Sprintf("node %s: T1: error on %s", node.Name, node.Name))
			}
			if !slices.Equal(ve.Problems, want) {
				t.Errorf("problems out of node order or missing:\n got %q\nwant %q", ve.Problems, want)
			}
		})
	}
}

// Warnings keep node order too, after the spec's own.
func TestVerifyWarningsInNodeOrder(t *testing.T) {
	s := fleetSpec(t, 25)
	lint := func(_ config.Provider, in LintInput) []Finding {
		return []Finding{{Rule: "T2", Severity: "warning", Message: "on " + in.Node}}
	}
	out, err := Generate(s, Options{Lint: lint})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range out.Warnings {
		var node, rest string
		if _, err := fmt.Sscanf(w, "node %s T2: on %s", &node, &rest); err == nil {
			got = append(got, rest)
		}
	}
	var want []string
	for _, n := range s.Nodes {
		want = append(want, n.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("lint warnings in order %q, want %q", got, want)
	}
}
