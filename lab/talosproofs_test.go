//go:build linux

package lab_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/client"
	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"

	"github.com/tailos/tailos/lab"
)

// specFile writes the built-in spec for n nodes in mode to a file.
func specFile(t *testing.T, nodes int, mode string) string {
	t.Helper()
	s := lab.BuiltinSpec(nodes, 1500, "auto", true)
	s = bytes.Replace(s, []byte("mode: cluster-network"), []byte("mode: "+mode), 1)
	p := filepath.Join(t.TempDir(), "tailos.yaml")
	if err := os.WriteFile(p, s, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor polls cond until it reports true or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s (last: %s)", what, timeout, last)
		}
		time.Sleep(time.Second)
	}
}

// withoutKubeletPin drops the kubelet node-IP pin from a node's planned
// documents: the patch a user without tailos would apply.
func withoutKubeletPin(docs []config.Document) []config.Document {
	var out []config.Document
	for _, d := range docs {
		if d.Kind() == "KubeNodeConfig" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// The multihoming trap on real Talos, both ways: with gen's patch (the
// management mode pins the kubelet to the LAN) Talos picks the LAN
// address; the same node without the pin, applied through the Talos API,
// picks its 100.64.0.0/10 tailnet address once tailscale0 is up.
func TestTalosMultihomingNodeIP(t *testing.T) {
	l := up(t, lab.Options{SpecFile: specFile(t, 1, "management")})
	n := l.Nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	waitFor(t, time.Minute, "pinned node IP is the LAN address", func() (bool, string) {
		ips, err := l.NodeIPs(ctx, n.Name)
		if err != nil {
			return false, err.Error()
		}
		return slices.Equal(ips, []netip.Addr{n.Addr}), "nodeips " + addrs(ips)
	})
	// Same tailnet config, no pin: what most configs in the wild do.
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		t.Fatal(err)
	}
	n.Plan.Documents = withoutKubeletPin(n.Plan.Documents)
	patch, err := l.NodePatch(n, l.AuthKey, string(ca))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(patch, []byte("KubeNodeConfig")) {
		t.Fatal("the unpinned patch still pins the kubelet")
	}
	cfg, err := l.MachineConfigFor(patch)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ApplyConfig(ctx, n.Name, cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "unpinned node IP is the tailnet address", func() (bool, string) {
		ips, err := l.NodeIPs(ctx, n.Name)
		if err != nil {
			return false, err.Error()
		}
		return len(ips) > 0 && cgnat.Contains(ips[0]), "nodeips " + addrs(ips)
	})
}

func addrs(a []netip.Addr) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = x.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// extProcess finds ext-tailscale's containerboot in a node's network
// namespace and returns its PID and environment.
func extProcess(t testing.TB, n *lab.Node) (int, []string) {
	t.Helper()
	var want syscall.Stat_t
	if err := syscall.Stat(lab.NetnsPath(n.Netns), &want); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st) != nil || st.Ino != want.Ino {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		argv0, _, _ := bytes.Cut(cmd, []byte{0})
		if !strings.HasSuffix(string(argv0), "containerboot") {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		return pid, strings.Split(strings.TrimRight(string(env), "\x00"), "\x00")
	}
	return 0, nil
}

func envValue(env []string, key string) (string, bool) {
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// ExtensionServiceConfig semantics on real Talos: a variable set by both
// the service spec (PATH) and the document reaches the container with the
// document's value, once; and a document change applied through the Talos
// API restarts ext-tailscale with the new environment.
func TestTalosExtensionServiceConfigSemantics(t *testing.T) {
	const probePath = "/sbin:/usr/local/bin:/tailos-lab-probe"
	l := up(t, lab.Options{Nodes: 1, ExtraEnv: []string{"PATH=" + probePath}})
	n := l.Nodes[0]
	var pid int
	var env []string
	waitFor(t, time.Minute, "containerboot running", func() (bool, string) {
		pid, env = extProcess(t, n)
		return pid != 0, "no process"
	})
	count := 0
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			count++
		}
	}
	if v, _ := envValue(env, "PATH"); v != probePath || count != 1 {
		t.Errorf("PATH in the container = %q (%d entries), want the document's %q once", v, count, probePath)
	}
	if v, _ := envValue(env, "TS_STATE_DIR"); v != "/var/lib/tailscale" {
		t.Errorf("TS_STATE_DIR = %q, want the spec's /var/lib/tailscale", v)
	}

	// Change the document: a new variable.
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		t.Fatal(err)
	}
	docs := slices.Clone(n.Plan.Documents)
	for i, d := range docs {
		if esc, ok := d.(*extensions.ServiceConfigV1Alpha1); ok {
			c := esc.DeepCopy()
			c.ServiceEnvironment = append(c.ServiceEnvironment, "TAILOS_LAB_GENERATION=2")
			docs[i] = c
		}
	}
	n.Plan.Documents = docs
	patch, err := l.NodePatch(n, l.AuthKey, string(ca))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.MachineConfigFor(patch)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := l.ApplyConfig(ctx, n.Name, cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 90*time.Second, "ext-tailscale restarted with the new environment", func() (bool, string) {
		p, e := extProcess(t, n)
		v, _ := envValue(e, "TAILOS_LAB_GENERATION")
		return p != 0 && p != pid && v == "2", "pid " + strconv.Itoa(p) + " TAILOS_LAB_GENERATION=" + v
	})
	if err := l.WaitRunning(ctx, n.Name, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// ext-tailscale as Talos reports it: Running, started once, with a good
// config; in a crash loop (a flag containerboot's `tailscale up` refuses)
// Talos keeps restarting it and its events say so.
func TestTalosServiceInfoHealthyAndCrashLoop(t *testing.T) {
	for _, tt := range []struct {
		name      string
		extra     []string
		crashLoop bool
	}{
		{name: "healthy"},
		{name: "crash-loop", extra: []string{"TS_EXTRA_ARGS=--login-server=https://198.18.0.1 --tailos-lab-no-such-flag"}, crashLoop: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := lab.Options{Nodes: 1, ExtraEnv: tt.extra}
			if tt.crashLoop {
				o.SkipTailnetWait = true
			}
			l := up(t, o)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var si *lab.TalosService
			waitFor(t, 90*time.Second, "ext-tailscale state", func() (bool, string) {
				var err error
				si, err = l.ServiceInfo(ctx, "node-1", "ext-tailscale")
				if err != nil {
					return false, err.Error()
				}
				starts := 0
				for _, e := range si.Events {
					if strings.HasPrefix(e, "Running:") {
						starts++
					}
				}
				if tt.crashLoop {
					return starts >= 2, si.State + " " + strings.Join(si.Events, " | ")
				}
				// Started once and still running: no restarts.
				return si.State == "Running" && starts == 1, si.State + " " + strings.Join(si.Events, " | ")
			})
			if tt.crashLoop {
				joined := strings.Join(si.Events, "\n")
				if !strings.Contains(joined, "exit") && !strings.Contains(joined, "Failed") {
					t.Errorf("crash-loop events name no exit:\n%s", joined)
				}
			}
		})
	}
}

// The Go API other packages' tests use: a talosconfig whose client
// reaches every node, and a Headscale API key that its REST API accepts.
func TestTalosLabAPI(t *testing.T) {
	l := up(t, lab.Options{Nodes: 2})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if fi, err := os.Stat(l.TalosconfigPath()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("talosconfig %s: %v (want mode 0600)", l.TalosconfigPath(), err)
	}
	c, err := l.TalosClient(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// As talosctl does with the context's nodes: apid fans out.
	v, err := c.Version(client.WithNodes(ctx, l.Nodes[0].Addr.String(), l.Nodes[1].Addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Messages) != 2 {
		t.Errorf("version answered by %d nodes, want 2", len(v.Messages))
	}
	key, err := l.Headscale.CreateAPIKey(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	code, err := headscaleGET(l, "/api/v1/node", key)
	if err != nil {
		t.Fatal(err)
	}
	if code != 200 {
		t.Errorf("GET /api/v1/node with the API key: HTTP %d, want 200", code)
	}
	if code, _ := headscaleGET(l, "/api/v1/node", "wrong"); code == 200 {
		t.Errorf("GET /api/v1/node with a wrong key: HTTP 200")
	}
	st := status(t, l)
	if st.Talosconfig != l.TalosconfigPath() || st.Runtime != lab.RuntimeTalos || st.Mode == "" {
		t.Errorf("status talosconfig %q runtime %q mode %q", st.Talosconfig, st.Runtime, st.Mode)
	}
	for i, n := range st.Nodes {
		if n.TalosEndpoint != l.Nodes[i].Addr.String() {
			t.Errorf("%s talosEndpoint %q, want %s", n.Name, n.TalosEndpoint, l.Nodes[i].Addr)
		}
	}
}

// headscaleGET calls Headscale's REST API from the lab bridge.
func headscaleGET(l *lab.Lab, path, key string) (int, error) {
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(l.Headscale.CA)
	if err != nil {
		return 0, err
	}
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:           nil,
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return l.DialContext(ctx, addr)
		},
	}}
	req, err := http.NewRequest(http.MethodGet, l.Headscale.URL+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
