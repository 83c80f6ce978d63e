//go:build linux

package doctor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/labtest"
	"github.com/tailos/tailos/lab/talosnode"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosconf"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// talosLab is a running lab of real Talos nodes with what doctor needs.
type talosLab struct {
	*lab.Lab
	client *client.Client
	api    *tailnet.Headscale
	nodes  []string
}

func upTalosLab(t *testing.T, o lab.Options) *talosLab {
	t.Helper()
	l := labtest.Up(t, o, 10*time.Minute)
	tl := &talosLab{Lab: l, client: labtest.TalosClient(t, l), api: labtest.TailnetAPI(t, l)}
	for _, n := range l.Nodes {
		tl.nodes = append(tl.nodes, n.Addr.String())
	}
	return tl
}

func (tl *talosLab) doctor(t *testing.T) (*doctor.Report, []doctor.Result) {
	t.Helper()
	rep, res := tl.run(t)
	var b strings.Builder
	_ = doctor.WriteText(&b, rep, false)
	t.Logf("report:\n%s", b.String())
	return rep, res
}

// run is doctor.Run on every lab node with the spec's expectations and
// the lab's Headscale, as `tailos doctor -f spec --tailnet headscale` does.
func (tl *talosLab) run(t *testing.T) (*doctor.Report, []doctor.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	rep, res := doctor.Run(ctx, tl.client, tl.nodes, doctor.Options{
		Expect:      doctor.ExpectFromPlan(tl.Plan),
		Tailnet:     tl.api,
		NodeTimeout: time.Minute,
	})
	t.Logf("doctor on %d nodes: %s", len(tl.nodes), time.Since(start).Round(time.Millisecond))
	return rep, res
}

// check returns a node's check, failing the test when it is missing.
func check(t *testing.T, rep *doctor.Report, node, id string) doctor.Check {
	t.Helper()
	for _, n := range rep.Nodes {
		if n.Node != node {
			continue
		}
		if n.Error != "" {
			t.Fatalf("%s not checked: %s", node, n.Error)
		}
		if c, ok := n.Find(id); ok {
			return c
		}
		t.Fatalf("%s has no %s check", node, id)
	}
	t.Fatalf("no node %s in the report", node)
	return doctor.Check{}
}

// others asserts that a fault on one node leaves the other node's check ok.
func others(t *testing.T, rep *doctor.Report, faulty, id string) {
	t.Helper()
	for _, n := range rep.Nodes {
		if n.Node == faulty {
			continue
		}
		if c, ok := n.Find(id); ok && c.Status != doctor.OK {
			t.Errorf("%s: %s is %s (%s), but the fault is on %s", n.Node, id, c.Status, c.Message, faulty)
		}
	}
}

// waitFor re-runs doctor until a node's check has the status (services
// take a few seconds to restart), then returns the last report.
func (tl *talosLab) waitFor(t *testing.T, node, id string, st doctor.Status, says string, within time.Duration) *doctor.Report {
	t.Helper()
	var rep *doctor.Report
	var c doctor.Check
	for end := time.Now().Add(within); ; {
		rep, _ = tl.run(t)
		c = doctor.Check{ID: id, Status: "missing"}
		for _, n := range rep.Nodes {
			if found, ok := n.Find(id); ok && n.Node == node {
				c = found
			}
		}
		if c.Status == st && strings.Contains(c.Message, says) || time.Now().After(end) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	var b strings.Builder
	_ = doctor.WriteText(&b, rep, false)
	t.Logf("report:\n%s", b.String())
	if c.Status != st || !strings.Contains(c.Message, says) {
		t.Fatalf("%s: %s is %s %q, want %s naming %q", node, id, c.Status, c.Message, st, says)
	}
	return rep
}

// applyPatch patches a node's running machine config through the Talos API.
func (tl *talosLab) applyPatch(t *testing.T, name, patch string) {
	t.Helper()
	n, err := tl.Node(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := configloader.NewFromBytes(n.MachineConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = talosconf.Apply(cfg, []byte(patch))
	if err != nil {
		t.Fatal(err)
	}
	data, err := cfg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tl.ApplyConfig(ctx, name, data); err != nil {
		t.Fatal(err)
	}
}

func escPatch(env ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n")
	for _, e := range env {
		fmt.Fprintf(&b, "  - %s\n", e)
	}
	return b.String()
}

// A healthy 2-node lab of real Talos nodes is ok on every check. The
// catalogue's findings on the live config (config.*) must be exactly those
// of the config the lab booted, checked offline: the lab's own config has
// container-mode artifacts (no etcd subnets, accept-routes on the router),
// and doctor must report the live config faithfully, not hide them.
func TestE2EHealthyLab(t *testing.T) {
	tl := upTalosLab(t, lab.Options{Nodes: 2})
	// Headscale approves node-1's pod route from the policy's autoApprovers
	// shortly after the node announces it.
	rep := tl.waitFor(t, tl.nodes[0], doctor.IDRoutes, doctor.OK, "10.244.0.0/16", 30*time.Second)
	expect := doctor.ExpectFromPlan(tl.Plan)
	for i, n := range rep.Nodes {
		if n.Error != "" {
			t.Errorf("%s: %s", n.Node, n.Error)
			continue
		}
		booted, err := configloader.NewFromBytes(tl.Nodes[i].MachineConfig)
		if err != nil {
			t.Fatal(err)
		}
		offline := map[string]doctor.Status{}
		for _, c := range doctor.Evaluate(&doctor.Evidence{Node: n.Node, TalosVersion: talosnode.TalosVersion, Config: booted}, expect(n.Node, n.Hostname)) {
			if strings.HasPrefix(c.ID, "config.") {
				offline[c.ID] = c.Status
			}
		}
		live := map[string]doctor.Status{}
		for _, c := range n.Checks {
			if strings.HasPrefix(c.ID, "config.") {
				live[c.ID] = c.Status
				continue
			}
			if c.Status != doctor.OK {
				t.Errorf("%s: %s is %s: %s", n.Node, c.ID, c.Status, c.Message)
			}
		}
		if fmt.Sprint(live) != fmt.Sprint(offline) {
			t.Errorf("%s: catalogue on the live config %v, on the booted config %v", n.Node, live, offline)
		}
		if len(n.Checks) < 15 {
			t.Errorf("%s: only %d checks", n.Node, len(n.Checks))
		}
	}
}

// Each fault is induced on node-2 through the Talos API or the tailnet, and
// doctor names it on node-2 with the right check while node-1 stays ok.
func TestE2EFaults(t *testing.T) {
	tl := upTalosLab(t, lab.Options{Nodes: 2})
	n2 := tl.nodes[1]
	ctx := context.Background()

	t.Run("route not approved", func(t *testing.T) {
		rep, res := tl.doctor(t)
		var id string
		for _, r := range res {
			if r.Current != nil && len(r.Current.AdvertisedRoutes) > 0 {
				id = r.Current.ID
				n2 = r.Node
			}
		}
		if id == "" {
			t.Fatalf("no node advertises a route: %+v", rep)
		}
		if _, err := tl.Headscale.CLI(ctx, "nodes", "approve-routes", "--identifier", id, "--routes", ""); err != nil {
			t.Fatal(err)
		}
		rep = tl.waitFor(t, n2, doctor.IDRoutes, doctor.Fail, "not approved", 30*time.Second)
		others(t, rep, n2, doctor.IDRoutes)
	})
	n2 = tl.nodes[1]

	t.Run("TS_DEBUG_MTU differs from the spec", func(t *testing.T) {
		tl.applyPatch(t, "node-2", escPatch("TS_DEBUG_MTU=1300"))
		rep := tl.waitFor(t, n2, doctor.IDMTU, doctor.Fail, "TS_DEBUG_MTU=1300", 90*time.Second)
		others(t, rep, n2, doctor.IDMTU)
	})

	t.Run("ext-tailscale stopped", func(t *testing.T) {
		c, err := tl.TalosClient(ctx, "node-1")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.ServiceStop(ctx, doctor.ServiceID); err != nil {
			t.Fatal(err)
		}
		rep := tl.waitFor(t, tl.nodes[0], doctor.IDService, doctor.Fail, "stopped", 60*time.Second)
		others(t, rep, tl.nodes[0], doctor.IDService)
		if _, err := c.ServiceStart(ctx, doctor.ServiceID); err != nil {
			t.Fatal(err)
		}
	})

}

// A wiped node logs in anew; its old registration is the one stale
// duplicate, and Cleanup (--cleanup-duplicates --yes) removes exactly it.
// Then, with the auth key expired, a wiped node cannot log in and doctor
// names the expired key on it.
func TestE2EWipeDuplicateAndExpiredKey(t *testing.T) {
	tl := upTalosLab(t, lab.Options{Nodes: 2})
	ctx := context.Background()
	n2 := tl.nodes[1]
	if err := tl.Wipe(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	rep := tl.waitFor(t, n2, doctor.IDDuplicates, doctor.Warn, "stale duplicate", 2*time.Minute)
	others(t, rep, n2, doctor.IDDuplicates)
	_, res := tl.doctor(t)
	var stale []tailnet.Device
	for _, r := range res {
		stale = append(stale, r.Stale...)
	}
	if len(stale) != 1 {
		t.Fatalf("stale devices %+v, want one", stale)
	}
	deleted, err := doctor.Cleanup(ctx, tl.api, res)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].ID != stale[0].ID {
		t.Fatalf("deleted %+v, want exactly %s", deleted, stale[0].ID)
	}
	rep, _ = tl.doctor(t)
	for _, n := range rep.Nodes {
		if c := check(t, rep, n.Node, doctor.IDDuplicates); c.Status != doctor.OK {
			t.Errorf("%s after cleanup: %s", n.Node, c.Message)
		}
		if c := check(t, rep, n.Node, doctor.IDDevice); c.Status != doctor.OK {
			t.Errorf("%s lost its device in the cleanup: %s", n.Node, c.Message)
		}
	}

	if err := tl.Headscale.ExpireAuthKey(ctx, tl.KeyUser, tl.AuthKey); err != nil {
		t.Fatal(err)
	}
	if err := tl.Wipe(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	rep = tl.waitFor(t, n2, doctor.IDCrashLoop, doctor.Fail, "authkey-expired", 2*time.Minute)
	others(t, rep, n2, doctor.IDCrashLoop)
}

// Doctor on a 3-node lab, then a fleet of 50 -n entries through one
// endpoint (node-1's apid proxies to the three lab nodes in turn), as
// `tailos doctor -e node-1 -n ...` does: every entry is checked in full.
// The times are logged, not asserted.
func TestE2EFleetThroughOneEndpoint(t *testing.T) {
	tl := upTalosLab(t, lab.Options{Nodes: 3})
	rep, _ := tl.run(t) // logs "doctor on 3 nodes"
	for _, n := range rep.Nodes {
		if n.Error != "" {
			t.Errorf("%s: %s", n.Node, n.Error)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := tl.TalosClient(ctx, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var nodes []string
	for i := range 50 {
		nodes = append(nodes, tl.nodes[i%len(tl.nodes)])
	}
	for _, conc := range []int{1, 8} {
		start := time.Now()
		rep, _ := doctor.Run(ctx, c, nodes, doctor.Options{Concurrency: conc, Expect: doctor.ExpectFromPlan(tl.Plan), Tailnet: tl.api, NodeTimeout: time.Minute})
		d := time.Since(start)
		t.Logf("50 nodes through one endpoint, concurrency %d: %s (%s per node)", conc, d.Round(time.Millisecond), (d / 50).Round(100*time.Microsecond))
		if len(rep.Nodes) != 50 {
			t.Fatalf("%d reports", len(rep.Nodes))
		}
		for _, n := range rep.Nodes {
			if n.Error != "" || len(n.Checks) < 15 {
				t.Errorf("%s: %d checks, error %q", n.Node, len(n.Checks), n.Error)
			}
		}
	}

	// Partial results: entries apid cannot reach or resolve get one clear
	// line each; the reachable node is still checked in full.
	bad := []string{tl.nodes[0], "198.18.0.250", "nosuchnode"}
	rep, _ = doctor.Run(ctx, c, bad, doctor.Options{Expect: doctor.ExpectFromPlan(tl.Plan), NodeTimeout: 20 * time.Second})
	if !rep.Reachable() || rep.Nodes[0].Error != "" || len(rep.Nodes[0].Checks) < 10 {
		t.Errorf("reachable node: %+v", rep.Nodes[0])
	}
	if !strings.Contains(rep.Nodes[2].Error, "does not resolve") {
		t.Errorf("nosuchnode: %q, want it to say the name does not resolve", rep.Nodes[2].Error)
	}
	for _, n := range rep.Nodes[1:] {
		t.Logf("%s: %s", n.Node, n.Error)
		if n.Error == "" || strings.Contains(n.Error, "\n") || strings.Contains(n.Error, "goroutine") {
			t.Errorf("%s: error %q, want one line", n.Node, n.Error)
		}
	}
	if rep.Summary.Unreachable != 2 {
		t.Errorf("summary %+v, want 2 unreachable", rep.Summary)
	}
}
