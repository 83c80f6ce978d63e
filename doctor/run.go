package doctor

import (
	"context"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"

	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosapi"
)

// Options tune a doctor run.
type Options struct {
	// Concurrency bounds the nodes checked at once (default
	// talosapi.DefaultConcurrency).
	Concurrency int
	// Expect returns what a node should look like (nil: nothing beyond its
	// own config). hostname is what the node reports.
	Expect func(node, hostname string) Expect
	// Tailnet, when set, adds the tailnet checks.
	Tailnet tailnet.API
	// TailnetErr, when set instead, says why the tailnet asked for cannot
	// be read (missing credentials): its checks are unknown, the rest run.
	TailnetErr error
	// Now is the clock for expiry checks (default time.Now).
	Now func() time.Time
	// NodeTimeout bounds the checks of one node (0: only ctx bounds them).
	NodeTimeout time.Duration
	// Progress hears about each finished node.
	Progress func(node string, finished, total int)
}

// Result is one node's report with what a remedy needs.
type Result struct {
	NodeReport
	// Current is the node's live device, when the tailnet was asked.
	Current *tailnet.Device `json:"-"`
	// Stale are the node's stale duplicate devices (cleanup candidates).
	Stale []tailnet.Device `json:"-"`
}

// Run checks every node through c (one apid endpoint proxies to them all,
// as talosctl -n a,b,c does) and, when o.Tailnet is set, their devices.
// Nodes that cannot be reached get a report with Error set; the others
// are checked in full. The tailnet is listed once for the whole fleet.
func Run(ctx context.Context, c *client.Client, nodes []string, o Options) (*Report, []Result) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	var (
		devices []tailnet.Device
		devErr  error
	)
	switch {
	case o.TailnetErr != nil:
		devErr = o.TailnetErr
	case o.Tailnet != nil:
		devices, devErr = o.Tailnet.Devices(ctx)
	}
	results := talosapi.Fanout(ctx, nodes, o.Concurrency, func(ctx context.Context, node string) Result {
		return checkNode(ctx, c, node, o, devices, devErr, now())
	}, func(node string, finished int) {
		if o.Progress != nil {
			o.Progress(node, finished, len(nodes))
		}
	})
	rep := &Report{Nodes: make([]NodeReport, len(results))}
	for i, r := range results {
		rep.Nodes[i] = r.NodeReport
	}
	rep.Summarize()
	return rep, results
}

func checkNode(ctx context.Context, c *client.Client, node string, o Options, devices []tailnet.Device, devErr error, now time.Time) Result {
	if o.NodeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.NodeTimeout)
		defer cancel()
	}
	label := node
	if label == "" {
		label = "(endpoint)"
	}
	ev, err := Gather(ctx, c, node)
	if err != nil {
		return Result{NodeReport: NodeReport{Node: label, Error: rules.Mask(talosapi.Explain(err)), Checks: []Check{}}}
	}
	if node == "" && ev.Hostname != "" {
		label = ev.Hostname
	}
	var exp Expect
	if o.Expect != nil {
		exp = o.Expect(node, ev.Hostname)
	}
	r := Result{NodeReport: NodeReport{Node: label, Hostname: ev.Hostname, Checks: Evaluate(ev, exp)}}
	if o.Tailnet != nil || o.TailnetErr != nil {
		if devErr != nil {
			r.Checks = append(r.Checks, Check{ID: IDDevice, Status: Unknown, Message: "cannot list the tailnet's devices: " + rules.Mask(devErr.Error())})
			return r
		}
		host := exp.Hostname
		if host == "" {
			host = ev.Hostname
		}
		m := MatchDevice(devices, host, ev.TailnetIPs())
		r.Current, r.Stale = m.Current, m.Stale
		r.Checks = append(r.Checks, EvaluateTailnet(m, exp, label, now)...)
	}
	return r
}

// Cleanup deletes the stale duplicates found by Run. It re-lists the
// tailnet first and deletes only devices that are still there with the
// node key Run saw, and whose key is no node's current key, so a device
// that re-registered in between is never removed.
func Cleanup(ctx context.Context, api tailnet.API, results []Result) (deleted []tailnet.Device, err error) {
	devs, err := api.Devices(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]tailnet.Device{}
	for _, d := range devs {
		byID[d.ID] = d
	}
	current := map[string]bool{}
	for _, r := range results {
		if r.Current != nil {
			current[r.Current.ID] = true
			current[r.Current.NodeKey] = true
		}
	}
	for _, r := range results {
		for _, s := range r.Stale {
			now, ok := byID[s.ID]
			if !ok || now.NodeKey != s.NodeKey || current[s.ID] || current[s.NodeKey] {
				continue
			}
			if err := api.DeleteDevice(ctx, s.ID); err != nil {
				return deleted, err
			}
			deleted = append(deleted, s)
		}
	}
	return deleted, nil
}
