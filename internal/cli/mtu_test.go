package cli

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/mtu"
)

// runMTUCmd runs `tailos args...` with test streams.
func runMTUCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := testFactory(ios)
	root := NewRootCmd(f)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// The probe command against a responder on loopback: text, -v and JSON.
func TestMTUProbeCommand(t *testing.T) {
	r, err := mtu.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("responder: %v", err)
		}
	})
	port := strconv.Itoa(r.Addr().Port)

	out, errOut, err := runMTUCmd(t, "mtu", "probe", "127.0.0.1", "--port", port, "--max", "1500", "-v")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"path MTU:      1500 to 127.0.0.1 (udp, IPv4 via lo, local MTU 65536;",
		"TS_DEBUG_MTU:  1500 − 60 (WireGuard over IPv4: 20 IPv4 + 8 UDP + 32 WireGuard) = 1440",
		"environment:   TS_DEBUG_MTU=1440",
		"    underlayFamily: 4",
		"TS_DEBUG_MTU = 1500 − 80 (WireGuard over IPv6: 40 IPv6 + 8 UDP + 32 WireGuard) = 1420",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "probe   576 bytes: fits") || !strings.Contains(errOut, "probe  1500 bytes: fits") {
		t.Errorf("-v did not print the steps on stderr:\n%s", errOut)
	}

	out, errOut, err = runMTUCmd(t, "mtu", "probe", "127.0.0.1", "--port", port, "--max", "9000", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if errOut != "" {
		t.Errorf("stderr without -v on a non-terminal: %q", errOut)
	}
	var rep struct {
		Probe struct {
			PathMTU int        `json:"pathMTU"`
			Exact   bool       `json:"exact"`
			Steps   []mtu.Step `json:"steps"`
		} `json:"probe"`
		TUN int    `json:"tun"`
		Env string `json:"env"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Probe.PathMTU != 9000 || !rep.Probe.Exact || len(rep.Probe.Steps) != 2 || rep.TUN != 8940 || rep.Env != "TS_DEBUG_MTU=8940" {
		t.Fatalf("JSON report %+v", rep)
	}
}

// Flags reach the options struct as parsed.
func TestMTUProbeFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *MTUProbeOptions
	cmd := NewCmdMTUProbe(&Factory{IO: ios}, func(o *MTUProbeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"peer.lan", "--port", "5000", "--family", "6", "--method", "icmp", "--timeout", "3s", "--max-probes", "9", "-v", "-o", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := MTUProbeOptions{Host: "peer.lan", Port: 5000, Family: mtu.IPv6, Method: mtu.MethodICMP, Timeout: 3 * time.Second, MaxProbes: 9, Verbose: true, TailnetIPv6: true, Output: "json", Bytes: mtu.DefaultRoutedBytes}
	if *got != want {
		t.Fatalf("options %+v, want %+v", *got, want)
	}
}

// --routed against a TCP responder on loopback: the SYN's MSS as the
// responder read it, and both transfers complete; -o json for scripts.
func TestMTUProbeRoutedCommand(t *testing.T) {
	r, err := mtu.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("responder: %v", err)
		}
	})
	port := strconv.Itoa(r.Addr().(*net.TCPAddr).Port)

	out, _, err := runMTUCmd(t, "mtu", "probe", "127.0.0.1", "--port", port, "--routed", "--bytes", "1048576")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"routed path:   127.0.0.1:" + port + " (TCP)",
		"SYN MSS:       65495 at the peer, as advertised here: not clamped",
		"upload:        1048576 bytes in",
		"download:      1048576 bytes in",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runMTUCmd(t, "mtu", "probe", "127.0.0.1", "--port", port, "--routed", "--bytes", "4096", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Routed mtu.RoutedResult `json:"routed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Routed.SYNMSS != 65495 || !rep.Routed.Upload.Complete || rep.Routed.Download.Bytes != 4096 {
		t.Fatalf("JSON report %+v", rep.Routed)
	}
	if _, _, err := runMTUCmd(t, "mtu", "probe", "127.0.0.1", "--routed", "--bytes", "0"); err == nil || !strings.Contains(err.Error(), "invalid --bytes 0") {
		t.Errorf("--bytes 0: %v", err)
	}
}
