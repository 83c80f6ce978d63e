package talosapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siderolabs/crypto/x509"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// writeTalosconfig writes a talosconfig with two contexts, as talosctl
// config merge leaves them.
func writeTalosconfig(t *testing.T, path string) {
	t.Helper()
	cfg := clientconfig.NewConfig("lab", []string{"198.18.0.11"}, []byte("ca"), &x509.PEMEncodedCertificateAndKey{Crt: []byte("crt"), Key: []byte("key")})
	cfg.Contexts["lab"].Nodes = []string{"198.18.0.11", "198.18.0.12"}
	cfg.Contexts["prod"] = &clientconfig.Context{Endpoints: []string{"10.0.0.1", "10.0.0.2"}}
	data, err := cfg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	explicit := filepath.Join(dir, "explicit")
	fromEnv := filepath.Join(dir, "env")
	home := filepath.Join(dir, "home")
	writeTalosconfig(t, explicit)
	writeTalosconfig(t, fromEnv)
	writeTalosconfig(t, filepath.Join(home, ".talos", "config"))
	tests := []struct {
		name      string
		opts      Options
		path      string
		context   string
		endpoints []string
		nodes     []string
		err       string
	}{
		{name: "--talosconfig wins over $TALOSCONFIG", opts: Options{Talosconfig: explicit, LookupEnv: env(map[string]string{"TALOSCONFIG": fromEnv})},
			path: explicit, context: "lab", endpoints: []string{"198.18.0.11"}, nodes: []string{"198.18.0.11", "198.18.0.12"}},
		{name: "$TALOSCONFIG", opts: Options{LookupEnv: env(map[string]string{"TALOSCONFIG": fromEnv, "HOME": home})},
			path: fromEnv, context: "lab", endpoints: []string{"198.18.0.11"}, nodes: []string{"198.18.0.11", "198.18.0.12"}},
		{name: "~/.talos/config", opts: Options{LookupEnv: env(map[string]string{"HOME": home})},
			path: filepath.Join(home, ".talos", "config"), context: "lab", endpoints: []string{"198.18.0.11"}, nodes: []string{"198.18.0.11", "198.18.0.12"}},
		{name: "--context, no nodes: the endpoint itself", opts: Options{Talosconfig: explicit, Context: "prod"},
			path: explicit, context: "prod", endpoints: []string{"10.0.0.1", "10.0.0.2"}, nodes: nil},
		{name: "-e and -n as repeated and comma lists", opts: Options{Talosconfig: explicit, Endpoints: []string{"198.18.0.13"}, Nodes: []string{"a,b", "c", "a"}},
			path: explicit, context: "lab", endpoints: []string{"198.18.0.13"}, nodes: []string{"a", "b", "c"}},
		{name: "unknown context", opts: Options{Talosconfig: explicit, Context: "staging"}, err: `context "staging" is not defined (known: lab, prod)`},
		{name: "no talosconfig anywhere", opts: Options{LookupEnv: env(map[string]string{"HOME": filepath.Join(dir, "nobody")})}, err: "no talosconfig: tried"},
		{name: "missing explicit file", opts: Options{Talosconfig: filepath.Join(dir, "missing")}, err: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Resolve(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != tt.path || r.Context != tt.context || !slices.Equal(r.Endpoints, tt.endpoints) || !slices.Equal(r.Nodes, tt.nodes) {
				t.Errorf("got %s %s %v %v, want %s %s %v %v", r.Path, r.Context, r.Endpoints, r.Nodes, tt.path, tt.context, tt.endpoints, tt.nodes)
			}
		})
	}
	// Unlike clientconfig.Open, resolving never creates a talosconfig.
	if _, err := os.Stat(filepath.Join(dir, "nobody", ".talos", "config")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Resolve created a talosconfig: %v", err)
	}
}

func TestFanoutBoundsConcurrencyAndKeepsOrder(t *testing.T) {
	nodes := []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"}
	var inFlight, peak atomic.Int32
	var finished atomic.Int32
	out := Fanout(context.Background(), nodes, 3, func(ctx context.Context, node string) string {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		return node
	}, func(string, int) { finished.Add(1) })
	if !slices.Equal(out, nodes) {
		t.Errorf("results %v, want them in node order", out)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3 with limit 3", p)
	}
	if finished.Load() != int32(len(nodes)) {
		t.Errorf("progress called %d times", finished.Load())
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 198.18.0.99:50000: connect: connection refused"`), "unreachable: connection refused"},
		{status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`), "not signed by the talosconfig's CA"},
		{status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: remote error: tls: expired certificate"`), "certificate expired"},
		{status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp: lookup nosuchnode: no such host"`), "does not resolve"},
		{status.Error(codes.PermissionDenied, "not authorized"), "needs os:admin"},
		// A worker's apid has no remote backend (talos internal/app/apid/pkg/director).
		{status.Error(codes.PermissionDenied, "no request forwarding"), "use a control-plane node as the endpoint"},
		// apid cannot resolve a -n name: its DNS answer is a refusal, not apid's port.
		{status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dns: A record lookup error: lookup nosuchnode on 198.18.0.1:53: read udp 198.18.0.11:43052->198.18.0.1:53: read: connection refused"`), "does not resolve"},
	}
	for _, tt := range tests {
		got := Explain(tt.err)
		if !strings.Contains(got, tt.want) || strings.Contains(got, "rpc error") {
			t.Errorf("Explain(%v) = %q, want it to say %q without the gRPC envelope", tt.err, got, tt.want)
		}
	}
}
