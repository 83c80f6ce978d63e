package rollout

import (
	"testing"

	"github.com/tailos/tailos/spec"
)

// BenchmarkPlanAndDesired is the client-side work apply does per node:
// build the patch in the live config's shape, compute the new config, and
// compare it with the live one.
func BenchmarkPlanAndDesired(b *testing.B) {
	s, err := spec.Load("../examples/homelab.yaml")
	if err != nil {
		b.Fatal(err)
	}
	n := s.Nodes[0]
	live := liveConfig(b, s, n, "v1.13.9")
	b.ResetTimer()
	for b.Loop() {
		np, err := PlanNode(s, Target{Spec: n}, live, "v1.14.1", testKey)
		if err != nil {
			b.Fatal(err)
		}
		desired, err := Desired(live, np.Patches...)
		if err != nil {
			b.Fatal(err)
		}
		if same, err := Same(live, desired); err != nil || same {
			b.Fatal("no change", err)
		}
	}
}
