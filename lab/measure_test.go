//go:build linux

package lab_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tailos/tailos/lab"
)

// nodeRSS sums the proportional resident memory (Pss, shared pages split
// between their users) of every process in a node's network namespace:
// machined, apid, trustd, containerd, the shims, tailscaled.
func nodeRSS(t *testing.T, n *lab.Node) int64 {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat(lab.NetnsPath(n.Netns), &want); err != nil {
		t.Fatal(err)
	}
	var total int64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) != nil || st.Ino != want.Ino {
			continue
		}
		data, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "smaps_rollup"))
		for _, line := range bytes.Split(data, []byte("\n")) {
			if v, ok := bytes.CutPrefix(line, []byte("Pss:")); ok {
				kb, _ := strconv.ParseInt(string(bytes.Fields(v)[0]), 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

// The closing numbers of the real-Talos lab (run with TAILOS_LAB_MEASURE=1):
// time for `up` of three Talos nodes (binaries cached) up to every node
// online on the tailnet, memory per node, and TCP throughput over
// tailscale0 between two Talos nodes against the bare veth.
func TestTalosLabMeasurements(t *testing.T) {
	if os.Getenv("TAILOS_LAB_MEASURE") == "" {
		t.Skip("set TAILOS_LAB_MEASURE=1 to measure")
	}
	start := time.Now()
	l := up(t, lab.Options{Nodes: 3})
	online := time.Since(start)
	st := status(t, l)
	for _, n := range st.Nodes {
		if !n.Online {
			t.Fatalf("%s not online", n.Name)
		}
	}
	t.Logf("lab up, 3 Talos nodes online on the tailnet: %s", online.Round(10*time.Millisecond))
	for _, n := range l.Nodes {
		t.Logf("%s: memory of its processes (Pss) %.1f MiB", n.Name, float64(nodeRSS(t, n))/(1<<20))
	}
	n1, n2 := l.Nodes[0], l.Nodes[1]
	ts2 := nodeStatus(t, st, n2.Name).TailnetIP
	for _, path := range []struct{ name, listen, dial string }{
		{"bare veth", net.JoinHostPort(n2.Addr.String(), "7101"), net.JoinHostPort(n2.Addr.String(), "7101")},
		{"tailscale0", net.JoinHostPort(ts2, "7102"), net.JoinHostPort(ts2, "7102")},
	} {
		n, d, err := transfer(n1.Netns, n2.Netns, path.listen, path.dial, 1<<30, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", path.name, err)
		}
		if n == 0 {
			t.Fatalf("%s: nothing crossed", path.name)
		}
		t.Logf("TCP %s node-1 → node-2: %.0f Mbit/s (%d MiB in %s)", path.name, mbps(n, d), n>>20, d.Round(time.Millisecond))
	}
}
