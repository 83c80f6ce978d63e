//go:build linux

package tailnet_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

func tailnetIPs(t *testing.T, l *lab.Lab, name string) []netip.Addr {
	t.Helper()
	st, err := l.TailscaleStatus(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if st.Self == nil || len(st.Self.TailscaleIPs) == 0 {
		t.Fatalf("%s has no tailnet IP", name)
	}
	return st.Self.TailscaleIPs
}

// Against the lab's real Headscale v0.27 (real tailscaled nodes logged in
// to it): the device list maps onto Device, a wiped node's old
// registration is found as its stale duplicate, --cleanup-duplicates'
// Cleanup deletes exactly that one, and an unapproved route is named.
func TestHeadscaleLab(t *testing.T) {
	l := labtest.Up(t, lab.Options{Nodes: 2}, 10*time.Minute)
	api := labtest.TailnetAPI(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	devs, err := api.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("%d devices, want 2: %+v", len(devs), devs)
	}
	n1IPs := tailnetIPs(t, l, "node-1")
	m := doctor.MatchDevice(devs, "node-1", n1IPs)
	if m.Current == nil {
		t.Fatalf("node-1's device (addresses %v) not found in %+v", n1IPs, devs)
	}
	d := *m.Current
	if !strings.HasPrefix(d.NodeKey, "nodekey:") || d.Hostname != "node-1" || !d.Online || d.ID == "" || d.Name == "" {
		t.Errorf("node-1's device is not mapped: %+v", d)
	}
	if len(m.Stale) != 0 {
		t.Errorf("stale devices before any wipe: %+v", m.Stale)
	}
	// The lab's policy auto-approves node-1's pod route.
	var checks []doctor.Check
	for end := time.Now().Add(30 * time.Second); ; {
		devs, err = api.Devices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m = doctor.MatchDevice(devs, "node-1", n1IPs)
		checks = doctor.EvaluateTailnet(m, doctor.Expect{}, "node-1", time.Now())
		if c, _ := find(checks, doctor.IDRoutes); c.Status == doctor.OK && strings.Contains(c.Message, "10.244.0.0/16") || time.Now().After(end) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, c := range checks {
		if c.Status != doctor.OK && c.ID != doctor.IDTags { // the lab's nodes are untagged
			t.Errorf("healthy node-1: %s %s: %s", c.ID, c.Status, c.Message)
		}
	}

	// Un-approving the route makes it "advertised but not approved".
	if _, err := l.Headscale.CLI(ctx, "nodes", "approve-routes", "--identifier", d.ID, "--routes", ""); err != nil {
		t.Fatal(err)
	}
	devs, err = api.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks = doctor.EvaluateTailnet(doctor.MatchDevice(devs, "node-1", n1IPs), doctor.Expect{}, "node-1", time.Now())
	if c, _ := find(checks, doctor.IDRoutes); c.Status != doctor.Fail || !strings.Contains(c.Message, "10.244.0.0/16") {
		t.Errorf("unapproved route: %s %s %q, want fail naming 10.244.0.0/16", c.ID, c.Status, c.Message)
	}

	// A wipe (talosctl reset) registers node-2 anew; the old device stays.
	oldN2 := doctor.MatchDevice(devs, "node-2", tailnetIPs(t, l, "node-2")).Current
	if oldN2 == nil {
		t.Fatal("node-2's device not found")
	}
	if err := l.Wipe(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	if err := l.WaitRunning(ctx, "node-2", 90*time.Second); err != nil {
		t.Fatal(err)
	}
	devs, err = api.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m2 := doctor.MatchDevice(devs, "node-2", tailnetIPs(t, l, "node-2"))
	if m2.Current == nil || m2.Current.ID == oldN2.ID {
		t.Fatalf("after the wipe node-2's current device is %+v, want a new one", m2.Current)
	}
	if len(m2.Stale) != 1 || m2.Stale[0].ID != oldN2.ID {
		t.Fatalf("stale devices %+v, want exactly the old registration %s", m2.Stale, oldN2.ID)
	}
	checks = doctor.EvaluateTailnet(m2, doctor.Expect{}, "node-2", time.Now())
	if c, _ := find(checks, doctor.IDDuplicates); c.Status != doctor.Warn || !strings.Contains(c.Message, "id "+oldN2.ID) {
		t.Errorf("duplicates check %s %q, want warn naming id %s", c.Status, c.Message, oldN2.ID)
	}
	results := []doctor.Result{
		{NodeReport: doctor.NodeReport{Node: "node-1"}, Current: m.Current},
		{NodeReport: doctor.NodeReport{Node: "node-2"}, Current: m2.Current, Stale: m2.Stale},
	}
	deleted, err := doctor.Cleanup(ctx, api, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].ID != oldN2.ID {
		t.Fatalf("deleted %+v, want exactly %s", deleted, oldN2.ID)
	}
	devs, err = api.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range devs {
		ids = append(ids, d.ID)
	}
	want := []string{m.Current.ID, m2.Current.ID}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("devices left %v, want %v (both nodes' current devices)", ids, want)
	}
	// A wrong API key is a clear error, without the key.
	bad := *api
	bad.APIKey = "hskey-api-wrong-0123456789"
	if _, err := bad.Devices(ctx); err == nil || !strings.Contains(err.Error(), "API key is invalid") || strings.Contains(err.Error(), "0123456789") {
		t.Errorf("wrong key: %v", err)
	}
}

func find(cs []doctor.Check, id string) (doctor.Check, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return doctor.Check{}, false
}
