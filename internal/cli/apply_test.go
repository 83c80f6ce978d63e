package cli

import (
	"strings"
	"testing"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/rollout"
)

// What apply says about each outcome: a second run says it changed nothing,
// a dry run says the node validated, a staged config waits for a reboot, a
// failure names the node.
func TestWriteApplyText(t *testing.T) {
	tests := []struct {
		name string
		res  rollout.Result
		want []string
		not  []string
	}{
		{name: "second run", res: rollout.Result{Nodes: []rollout.NodeResult{{Node: "cp-1", Address: "192.168.1.11", Shape: "v1.14"}}},
			want: []string{"node cp-1 (192.168.1.11): up to date (v1.14 shape), nothing to apply", "nothing to do: every node already runs this spec"}},
		{name: "applied", res: rollout.Result{Changed: 1, Nodes: []rollout.NodeResult{{Node: "cp-1", Address: "a", Shape: "v1alpha1", Changed: true, Applied: true, Mode: "no-reboot", ModeDetails: "Applied configuration without a reboot"}}},
			want: []string{"applied (v1alpha1 shape, mode no-reboot) and on the tailnet", "  Applied configuration without a reboot"}, not: []string{"nothing to do"}},
		{name: "dry run", res: rollout.Result{DryRun: true, Changed: 1, Nodes: []rollout.NodeResult{{Node: "w-1", Address: "b", Shape: "v1.14", Changed: true}}},
			want: []string{"would apply (v1.14 shape); the node validated it", "dry run: 1 node(s) would change"}},
		{name: "staged", res: rollout.Result{Changed: 1, Nodes: []rollout.NodeResult{{Node: "w-1", Address: "b", Shape: "v1.14", Changed: true, Applied: true, Mode: "staged"}}},
			want: []string{"staged (v1.14 shape); it runs from the node's next reboot"}, not: []string{"on the tailnet"}},
		{name: "refused", res: rollout.Result{Nodes: []rollout.NodeResult{{Node: "cp-1", Address: "a", Changed: true, Error: "the node refused the config"}}},
			want: []string{"node cp-1 (a): FAILED: the node refused the config"}, not: []string{"nothing to do"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			writeApplyText(&ApplyOptions{IO: ios}, &tt.res)
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}
