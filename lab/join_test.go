//go:build linux

package lab_test

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"
)

// Nodes join Headscale with the generated environment and reach each
// other over tailscale0.
func TestJoinAndTalk(t *testing.T) {
	l := up(t, labOptions(2))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := l.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 2 {
		t.Fatalf("status has %d nodes, want 2", len(st.Nodes))
	}
	for _, n := range st.Nodes {
		if n.TailnetIP == "" || !n.Online || n.HeadscaleID == 0 {
			t.Errorf("node %s: tailnetIP %q online %v headscaleID %d, want an online registered node", n.Name, n.TailnetIP, n.Online, n.HeadscaleID)
		}
	}
	if len(st.Devices) != 2 || len(st.Duplicates) != 0 {
		t.Errorf("headscale devices %d duplicates %v, want 2 and none", len(st.Devices), st.Duplicates)
	}
	// The generated policy's tagOwners let the key's user (lab@) give the
	// nodes the tag their TS_EXTRA_ARGS advertise.
	for _, d := range st.Devices {
		if !slices.Contains(d.Tags, "tag:talos") {
			t.Errorf("device %s has tags %v, want tag:talos", d.Hostname, d.Tags)
		}
	}
	n1, n2 := l.Nodes[0], l.Nodes[1]
	to := st.Nodes[1].TailnetIP
	deadline := time.Now().Add(45 * time.Second)
	for {
		err = exchange(n1.Netns, n2.Netns, net.JoinHostPort(to, "7001"), net.JoinHostPort(to, "7001"))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatalf("TCP over the tailnet from %s to %s (%s): %v", n1.Name, n2.Name, to, err)
	}
}
