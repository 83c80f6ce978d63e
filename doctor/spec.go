package doctor

import (
	"strings"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/rules"
)

// ExpectFromPlan returns what each node of a tailos plan should look like,
// matched by the address doctor was given (-n) or by the node's hostname.
// Nodes the plan does not name get only the cluster-wide mode.
func ExpectFromPlan(p *plan.Plan) func(node, hostname string) Expect {
	mode := rules.Mode(p.Spec.Cluster.Mode)
	return func(node, hostname string) Expect {
		for _, n := range p.Nodes {
			if !strings.EqualFold(n.Spec.Address, node) && !strings.EqualFold(n.Spec.Name, node) &&
				!strings.EqualFold(n.Hostname, hostname) && !strings.EqualFold(n.Spec.Name, hostname) {
				continue
			}
			e := Expect{Mode: mode, Hostname: n.Hostname, Tags: p.Spec.Tags(n.Spec), Routes: n.Routes, ExitNode: n.ExitNode}
			if n.MTU != nil {
				e.MTU = n.MTU.TUN
			}
			return e
		}
		return Expect{Mode: mode}
	}
}
