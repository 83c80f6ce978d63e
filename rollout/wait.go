package rollout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tailos/tailos/doctor"
)

// HealthyChecks are the doctor checks a node must pass before apply moves
// on: ext-tailscale runs and tailscale0 has its tailnet address; with the
// tailnet's API also the device is there and online.
func HealthyChecks(withTailnet bool) []string {
	ids := []string{doctor.IDService, doctor.IDAddress}
	if withTailnet {
		ids = append(ids, doctor.IDDevice, doctor.IDOnline)
	}
	return ids
}

// waitHealthy asks doctor about the node until the Healthy checks are ok,
// within the request's bound.
func waitHealthy(ctx context.Context, req *Request, np *NodePlan, t Target) (*doctor.NodeReport, error) {
	timeout := req.WaitTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	every := req.PollInterval
	if every <= 0 {
		every = 2 * time.Second
	}
	want := HealthyChecks(req.Tailnet != nil)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req.progress("%s: waiting for ext-tailscale and the tailnet", t.Spec.Name)
	var last *doctor.NodeReport
	for {
		rep, _ := doctor.Run(wctx, req.Client, []string{t.Spec.Address}, doctor.Options{
			Expect:      doctor.ExpectFromPlan(np.Plan),
			Tailnet:     req.Tailnet,
			NodeTimeout: 30 * time.Second,
		})
		if len(rep.Nodes) == 1 {
			n := rep.Nodes[0]
			last = &n
			if missing := notOK(n, want); len(missing) == 0 {
				return last, nil
			}
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return last, ctx.Err()
			}
			return last, fmt.Errorf("not healthy within %s: %s", timeout, describe(last, want))
		case <-time.After(every):
		}
	}
}

func notOK(n doctor.NodeReport, want []string) []string {
	if n.Error != "" {
		return want
	}
	var out []string
	for _, id := range want {
		if c, ok := n.Find(id); !ok || c.Status != doctor.OK {
			out = append(out, id)
		}
	}
	return out
}

func describe(n *doctor.NodeReport, want []string) string {
	if n == nil {
		return "doctor gave no report"
	}
	if n.Error != "" {
		return n.Error
	}
	var parts []string
	for _, id := range notOK(*n, want) {
		c, ok := n.Find(id)
		if !ok {
			parts = append(parts, id+": not checked")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", id, c.Status, c.Message))
	}
	return strings.Join(parts, "; ")
}
