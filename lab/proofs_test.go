//go:build linux

package lab_test

import (
	"context"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

func status(t *testing.T, l *lab.Lab) *lab.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := l.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func nodeStatus(t *testing.T, st *lab.Status, name string) lab.NodeStatus {
	t.Helper()
	for _, n := range st.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s in status", name)
	return lab.NodeStatus{}
}

func waitRunning(t *testing.T, l *lab.Lab, name string) {
	t.Helper()
	if err := l.WaitRunning(context.Background(), name, 90*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Identity survives reboots: three restarts keep the node key and tailnet
// IP, and Headscale still has one device for the node. Then a reset (wipe)
// registers a second device, which status reports as a duplicate.
func TestIdentityRestartAndWipe(t *testing.T) {
	l := up(t, lab.Options{Nodes: 1})
	before := nodeStatus(t, status(t, l), "node-1")
	if before.NodeKey == "" || before.TailnetIP == "" {
		t.Fatalf("node-1 has no identity: %+v", before)
	}
	for i := 1; i <= 3; i++ {
		if err := l.Restart(context.Background(), "node-1"); err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		waitRunning(t, l, "node-1")
		st := status(t, l)
		after := nodeStatus(t, st, "node-1")
		if after.NodeKey != before.NodeKey || after.TailnetIP != before.TailnetIP {
			t.Errorf("restart %d: node key %s ip %s, want %s %s", i, after.NodeKey, after.TailnetIP, before.NodeKey, before.TailnetIP)
		}
		if len(st.Devices) != 1 || len(st.Duplicates) != 0 {
			t.Errorf("restart %d: %d devices, duplicates %v; want one device", i, len(st.Devices), st.Duplicates)
		}
		if after.Service.Starts != i+1 {
			t.Errorf("restart %d: service started %d times, want %d", i, after.Service.Starts, i+1)
		}
	}

	if err := l.Wipe(context.Background(), "node-1"); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, l, "node-1")
	st := status(t, l)
	wiped := nodeStatus(t, st, "node-1")
	if wiped.NodeKey == before.NodeKey {
		t.Errorf("after a reset the node key is unchanged (%s): the state was not wiped", wiped.NodeKey)
	}
	if len(st.Devices) != 2 {
		t.Errorf("after a reset headscale has %d devices, want 2", len(st.Devices))
	}
	if len(st.Duplicates) != 1 || st.Duplicates[0].Hostname != "node-1" || len(st.Duplicates[0].Devices) != 2 {
		t.Errorf("duplicates = %+v, want node-1 with 2 devices", st.Duplicates)
	}
}

// The pod route node-1 advertises is approved by the generated policy's
// autoApprovers, and node-2 (--accept-routes) reaches a host behind it.
func TestRoutesAutoApproved(t *testing.T) {
	l := up(t, lab.Options{Nodes: 2})
	var n1 lab.NodeStatus
	deadline := time.Now().Add(30 * time.Second)
	for {
		n1 = nodeStatus(t, status(t, l), "node-1")
		if slices.Contains(n1.ApprovedRoutes, "10.244.0.0/16") || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !slices.Contains(n1.AdvertisedRoutes, "10.244.0.0/16") || !slices.Contains(n1.ApprovedRoutes, "10.244.0.0/16") {
		t.Fatalf("node-1 routes advertised %v approved %v, want 10.244.0.0/16 in both", n1.AdvertisedRoutes, n1.ApprovedRoutes)
	}
	if len(n1.Behind) == 0 {
		t.Fatal("no host behind node-1's route")
	}
	behind := l.Nodes[0].Behind[0]
	var err error
	for end := time.Now().Add(45 * time.Second); ; {
		err = exchange(l.Nodes[1].Netns, behindNS(l, 0), net.JoinHostPort(behind.String(), "7002"), net.JoinHostPort(behind.String(), "7002"))
		if err == nil || time.Now().After(end) {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatalf("node-2 to %s behind node-1: %v", behind, err)
	}
}

func behindNS(l *lab.Lab, i int) string { return "tl" + l.ID + "-n" + strconv.Itoa(i+1) + "r0" }

// TS_ACCEPT_DNS=false (what gen writes) leaves the node's resolv.conf as it
// was and tailscaled healthy. The control case, a lab-only
// TS_ACCEPT_DNS=true after it, shows what happens on Talos otherwise:
// tailscaled tries to replace /etc/resolv.conf, fails on the read-only
// root and reports it in its health. The spec's TS_DEBUG_MTU is
// tailscale0's MTU and tailscaled listens on the spec's port.
func TestDNSMTUAndPort(t *testing.T) {
	for _, tc := range []struct {
		name          string
		extra         []string
		wantDNSHealth bool
	}{
		{"generated", nil, false},
		{"accept-dns-control", []string{"TS_ACCEPT_DNS=true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := up(t, lab.Options{Nodes: 1, MTU: "1400", ExtraEnv: tc.extra})
			n := l.Nodes[0]
			path := n.Dir + "/etc/resolv.conf"
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// A restart too: accept-dns is re-applied by `tailscale set`.
			if err := l.Restart(context.Background(), n.Name); err != nil {
				t.Fatal(err)
			}
			waitRunning(t, l, n.Name)
			dnsRe := regexp.MustCompile(`(?i)dns`)
			var health []string
			for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
				st, err := l.TailscaleStatus(context.Background(), n.Name)
				if err != nil {
					t.Fatal(err)
				}
				health = st.Health
				if slices.ContainsFunc(health, dnsRe.MatchString) {
					break
				}
			}
			if got := slices.ContainsFunc(health, dnsRe.MatchString); got != tc.wantDNSHealth {
				t.Errorf("DNS health warning = %v, want %v; health: %q", got, tc.wantDNSHealth, health)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("resolv.conf changed:\n%s\nwas:\n%s", got, want)
			}
			mtu, err := lab.LinkMTU(n.Netns, "tailscale0")
			if err != nil {
				t.Fatal(err)
			}
			if mtu != 1400 {
				t.Errorf("tailscale0 MTU %d, want 1400 from TS_DEBUG_MTU", mtu)
			}
			ports, err := lab.UDPPorts(n.Netns)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ports, 41641) {
				t.Errorf("UDP ports in the node %v, want tailscaled on 41641 (TS_TAILSCALED_EXTRA_ARGS=--port=41641)", ports)
			}
		})
	}
}

// With TS_AUTH_ONCE=true an expired key does not matter to a registered
// node (its state wins), and a fresh node fails with a clear error.
func TestExpiredAuthKey(t *testing.T) {
	l := up(t, lab.Options{Nodes: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.Headscale.ExpireAuthKey(ctx, l.KeyUser, l.AuthKey); err != nil {
		t.Fatal(err)
	}
	before := nodeStatus(t, status(t, l), "node-1")
	if err := l.Restart(context.Background(), "node-1"); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, l, "node-1")
	after := nodeStatus(t, status(t, l), "node-1")
	if after.NodeKey != before.NodeKey {
		t.Errorf("registered node changed identity after restart with an expired key")
	}

	if err := l.Wipe(context.Background(), "node-2"); err != nil {
		t.Fatal(err)
	}
	logRe := regexp.MustCompile(`(?i)(auth ?key|pre ?auth ?key)[^\n]*expired|expired[^\n]*key`)
	n2 := l.Nodes[1]
	deadline := time.Now().Add(75 * time.Second)
	for {
		// Talos runtime: `talosctl logs ext-tailscale` through the API.
		data, _ := l.ServiceLog(context.Background(), n2.Name)
		if loc := logRe.FindStringIndex(data); loc != nil {
			t.Logf("fresh node's log: %s", data[loc[0]:loc[1]])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no clear expired-key error in node-2's log:\n%s", tailLines(data, 30))
		}
		time.Sleep(time.Second)
	}
	if st, err := l.TailscaleStatus(context.Background(), "node-2"); err == nil && st.BackendState == "Running" {
		t.Errorf("fresh node with an expired key is Running")
	}
}

func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
