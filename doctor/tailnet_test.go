package doctor

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/tailnet"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func device(id, name, host, key, addr string) tailnet.Device {
	return tailnet.Device{ID: id, Name: name, Hostname: host, NodeKey: key, Addresses: []string{addr}, Online: true,
		KeyExpiryDisabled: true, Tags: []string{"tag:talos"}}
}

func TestMatchDevice(t *testing.T) {
	cur := device("3", "homelab-cp-1-2.tail1234.ts.net", "homelab-cp-1", "nodekey:c", "100.64.0.3")
	old1 := device("1", "homelab-cp-1.tail1234.ts.net", "homelab-cp-1", "nodekey:a", "100.64.0.1")
	old2 := device("2", "homelab-cp-1-1.tail1234.ts.net", "homelab-cp-1", "nodekey:b", "100.64.0.2")
	other := device("4", "homelab-cp-2.tail1234.ts.net", "homelab-cp-2", "nodekey:d", "100.64.0.4")
	hsDup := device("5", "homelab-cp-1-ab12cd34", "homelab-cp-1", "nodekey:e", "100.64.0.5") // Headscale renames with a random suffix
	tests := []struct {
		name      string
		devs      []tailnet.Device
		ips       []netip.Addr
		current   string
		stale     []string
		candidate int
	}{
		{"no duplicates", []tailnet.Device{cur, other}, []netip.Addr{netip.MustParseAddr("100.64.0.3")}, "3", nil, 0},
		{"Tailscale renames name-1, name-2", []tailnet.Device{old1, old2, cur, other}, []netip.Addr{netip.MustParseAddr("100.64.0.3")}, "3", []string{"1", "2"}, 0},
		{"Headscale same hostname", []tailnet.Device{cur, hsDup}, []netip.Addr{netip.MustParseAddr("100.64.0.3")}, "3", []string{"5"}, 0},
		{"current is the oldest", []tailnet.Device{old1, old2, cur}, []netip.Addr{netip.MustParseAddr("100.64.0.1")}, "1", []string{"2", "3"}, 0},
		{"node-1 and node-12 are different hosts", []tailnet.Device{
			device("7", "node-1", "node-1", "nodekey:x", "100.64.0.7"), device("8", "node-12", "node-12", "nodekey:y", "100.64.0.8"),
			device("9", "node-2", "node-2", "nodekey:z", "100.64.0.9")}, []netip.Addr{netip.MustParseAddr("100.64.0.7")}, "7", nil, 0},
		{"node offline: no current, nothing to clean", []tailnet.Device{old1, old2, cur}, nil, "", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := MatchDevice(tt.devs, "homelab-cp-1", tt.ips)
			got := ""
			if m.Current != nil {
				got = m.Current.ID
			}
			if got != tt.current {
				t.Errorf("current %q, want %q", got, tt.current)
			}
			var stale []string
			for _, d := range m.Stale {
				stale = append(stale, d.ID)
			}
			if !slices.Equal(stale, tt.stale) {
				t.Errorf("stale %v, want %v", stale, tt.stale)
			}
			if len(m.Candidates) != tt.candidate {
				t.Errorf("%d candidates, want %d", len(m.Candidates), tt.candidate)
			}
		})
	}
}

func TestEvaluateTailnet(t *testing.T) {
	base := device("3", "cp-1.tail1234.ts.net", "cp-1", "nodekey:c", "100.64.0.3")
	exp := Expect{Tags: []string{"tag:talos"}, Routes: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}}
	base.AdvertisedRoutes = []string{"10.244.0.0/16"}
	base.ApprovedRoutes = []string{"10.244.0.0/16"}
	tests := []struct {
		name   string
		mutate func(d *tailnet.Device, m *Match)
		id     string
		status Status
		says   string
	}{
		{"healthy device", nil, IDDevice, OK, "cp-1.tail1234.ts.net"},
		{"duplicate", func(d *tailnet.Device, m *Match) {
			m.Stale = []tailnet.Device{device("1", "cp-1-1.tail1234.ts.net", "cp-1", "nodekey:a", "100.64.0.1")}
		}, IDDuplicates, Warn, "cp-1-1.tail1234.ts.net (id 1)"},
		{"offline", func(d *tailnet.Device, _ *Match) { d.Online, d.LastSeen = false, now.Add(-72*time.Hour) }, IDOnline, Warn, "3 days ago"},
		{"key expires soon", func(d *tailnet.Device, _ *Match) {
			d.KeyExpiryDisabled, d.Expires = false, now.Add(5*24*time.Hour)
		}, IDKeyExpiry, Warn, "expires in 5 days"},
		{"key expired", func(d *tailnet.Device, _ *Match) { d.KeyExpiryDisabled, d.Expires = false, now.Add(-time.Hour) }, IDKeyExpiry, Fail, "expired"},
		{"key far away", func(d *tailnet.Device, _ *Match) { d.KeyExpiryDisabled, d.Expires = false, now.Add(60*24*time.Hour) }, IDKeyExpiry, OK, "expires 2027"},
		{"missing tag", func(d *tailnet.Device, _ *Match) { d.Tags = nil }, IDTags, Fail, "missing tag(s) tag:talos"},
		{"route not approved", func(d *tailnet.Device, _ *Match) {
			d.AdvertisedRoutes = []string{"10.244.0.0/16", "192.168.50.0/24"}
		}, IDRoutes, Fail, "advertised but not approved: 192.168.50.0/24"},
		{"spec route not advertised", func(d *tailnet.Device, _ *Match) { d.AdvertisedRoutes, d.ApprovedRoutes = nil, nil }, IDRoutes, Warn, "10.244.0.0/16"},
		{"exit node not approved", func(d *tailnet.Device, _ *Match) {
			d.AdvertisedRoutes = append(d.AdvertisedRoutes, "0.0.0.0/0", "::/0")
		}, IDExitNode, Fail, "not approved"},
		{"exit node approved", func(d *tailnet.Device, _ *Match) {
			d.AdvertisedRoutes = append(d.AdvertisedRoutes, "0.0.0.0/0", "::/0")
			d.ApprovedRoutes = append(d.ApprovedRoutes, "0.0.0.0/0", "::/0")
		}, IDExitNode, OK, "approved exit node"},
		{"no device", func(_ *tailnet.Device, m *Match) {
			m.Current = nil
			m.Candidates = []tailnet.Device{device("1", "cp-1", "cp-1", "nodekey:a", "100.64.0.1")}
		}, IDDevice, Fail, "none is live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			d.Tags = slices.Clone(base.Tags)
			d.AdvertisedRoutes = slices.Clone(base.AdvertisedRoutes)
			d.ApprovedRoutes = slices.Clone(base.ApprovedRoutes)
			m := Match{Current: &d}
			if tt.mutate != nil {
				tt.mutate(&d, &m)
			}
			checks := EvaluateTailnet(m, exp, "192.168.1.11", now)
			c, ok := statusOf(checks, tt.id)
			if !ok {
				t.Fatalf("no %s in %v", tt.id, checks)
			}
			if c.Status != tt.status || !strings.Contains(c.Message, tt.says) {
				t.Errorf("%s = %s %q, want %s containing %q", tt.id, c.Status, c.Message, tt.status, tt.says)
			}
			if tt.mutate == nil {
				for _, c := range checks {
					if c.Status != OK {
						t.Errorf("healthy device: %s is %s: %s", c.ID, c.Status, c.Message)
					}
				}
			}
		})
	}
}

// memTailnet is a control server's device list held in memory, for the
// Cleanup bookkeeping; the real APIs are tested in package tailnet.
type memTailnet struct{ devs []tailnet.Device }

func (m *memTailnet) Kind() string { return "memory" }
func (m *memTailnet) Devices(context.Context) ([]tailnet.Device, error) {
	return slices.Clone(m.devs), nil
}
func (m *memTailnet) DeleteDevice(_ context.Context, id string) error {
	m.devs = slices.DeleteFunc(m.devs, func(d tailnet.Device) bool { return d.ID == id })
	return nil
}

func TestCleanupNeverDeletesTheCurrentDevice(t *testing.T) {
	cur := device("3", "cp-1-2", "cp-1", "nodekey:c", "100.64.0.3")
	old := device("1", "cp-1", "cp-1", "nodekey:a", "100.64.0.1")
	reRegistered := device("2", "cp-1-1", "cp-1", "nodekey:b", "100.64.0.2")
	api := &memTailnet{devs: []tailnet.Device{old, reRegistered, cur}}
	results := []Result{{Current: &cur, Stale: []tailnet.Device{old, reRegistered}}}
	// Between the check and the cleanup, device 2 logged in with a new key:
	// it is no longer the stale device doctor saw.
	api.devs[1].NodeKey = "nodekey:new"
	// A second node whose current device is listed as another's stale one.
	results = append(results, Result{Current: &old})
	deleted, err := Cleanup(context.Background(), api, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 0 {
		t.Errorf("deleted %v; device 1 is a node's current device and device 2 changed key", deleted)
	}
	results = results[:1]
	deleted, err = Cleanup(context.Background(), api, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].ID != "1" {
		t.Errorf("deleted %v, want exactly device 1", deleted)
	}
	var left []string
	for _, d := range api.devs {
		left = append(left, d.ID)
	}
	if !slices.Equal(left, []string{"2", "3"}) {
		t.Errorf("left %v, want [2 3]", left)
	}
}
