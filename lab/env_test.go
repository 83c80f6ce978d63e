//go:build linux

package lab

import (
	"slices"
	"testing"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/spec"
)

func TestRewriteEnv(t *testing.T) {
	const key, url = "hskey-auth-abc", "https://198.18.0.1"
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{
			name: "placeholder and login server replaced, order and the rest kept",
			in:   []string{"TS_AUTHKEY=${TS_AUTHKEY}", "TS_AUTH_ONCE=true", "TS_EXTRA_ARGS=--advertise-tags=tag:talos --login-server=https://hs.example.com --accept-routes", "TS_DEBUG_MTU=1420"},
			want: []string{"TS_AUTHKEY=" + key, "TS_AUTH_ONCE=true", "TS_EXTRA_ARGS=--advertise-tags=tag:talos --login-server=" + url + " --accept-routes", "TS_DEBUG_MTU=1420"},
		},
		{
			name: "login server added when the spec targets Tailscale's",
			in:   []string{"TS_AUTH_KEY=tskey-x", "TS_EXTRA_ARGS=--advertise-tags=tag:talos"},
			want: []string{"TS_AUTH_KEY=" + key, "TS_EXTRA_ARGS=--advertise-tags=tag:talos --login-server=" + url},
		},
		{
			name: "no TS_EXTRA_ARGS at all",
			in:   []string{"TS_HOSTNAME=a"},
			want: []string{"TS_HOSTNAME=a", "TS_EXTRA_ARGS=--login-server=" + url},
		},
		{
			name: "duplicates stay duplicated",
			in:   []string{"TS_STATE_DIR=/x", "TS_STATE_DIR=/y"},
			want: []string{"TS_STATE_DIR=/x", "TS_STATE_DIR=/y", "TS_EXTRA_ARGS=--login-server=" + url},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rewriteEnv(tc.in, key, url); !slices.Equal(got, tc.want) {
				t.Errorf("rewriteEnv =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestHostSource(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"/var/lib/tailscale", "/n/var/lib/tailscale"},
		{"/var/run/tailscale", "/n/run/tailscale"},
		{"/run/tailscale/", "/n/run/tailscale"},
		{"/var", "/n/var"},
		{"/variable", "/variable"},
		{"/dev/net/tun", "/dev/net/tun"},
		{"/etc/ssl/certs", "/etc/ssl/certs"},
	} {
		if got := hostSource("/n", tc.src); got != tc.want {
			t.Errorf("hostSource(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestMaskEnv(t *testing.T) {
	got := MaskEnv([]string{"TS_AUTHKEY=hskey-auth-0123456789abcdef", "TS_HOSTNAME=node-1"})
	if got[0] != "TS_AUTHKEY=hskey-auth-…" || got[1] != "TS_HOSTNAME=node-1" {
		t.Errorf("MaskEnv = %q", got)
	}
	if s := MaskLog("key hskey-auth-" + "0123456789abcdef0123456789abcdef0123456789abcdef done"); s != "key hskey-auth-… done" {
		t.Errorf("MaskLog = %q", s)
	}
}

// The built-in spec is a valid spec whose plan has what the proofs need.
func TestBuiltinSpecPlans(t *testing.T) {
	for _, tc := range []struct {
		mtu      string
		wantMTU  string
		nodes    int
		underlay int
	}{
		{"auto", "TS_DEBUG_MTU=1440", 3, 1500},
		{"auto", "TS_DEBUG_MTU=1340", 2, 1400},
		{"", "", 1, 1500},
		{"1400", "TS_DEBUG_MTU=1400", 1, 1500},
	} {
		s, err := spec.Parse("builtin-lab.yaml", BuiltinSpec(tc.nodes, tc.underlay, tc.mtu, true))
		if err != nil {
			t.Fatalf("mtu %q: %v", tc.mtu, err)
		}
		p, err := plan.Build(s, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Nodes) != tc.nodes {
			t.Fatalf("%d nodes planned, want %d", len(p.Nodes), tc.nodes)
		}
		env := p.Nodes[0].Environment
		hasMTU := slices.ContainsFunc(env, func(e string) bool { return envKey(e) == "TS_DEBUG_MTU" })
		if tc.wantMTU == "" && hasMTU || tc.wantMTU != "" && !slices.Contains(env, tc.wantMTU) {
			t.Errorf("mtu %q underlay %d: env %q, want %q", tc.mtu, tc.underlay, env, tc.wantMTU)
		}
		for _, want := range []string{"TS_AUTH_ONCE=true", "TS_ACCEPT_DNS=false", "TS_ROUTES=10.244.0.0/16"} {
			if !slices.Contains(env, want) {
				t.Errorf("node-1 env %q lacks %s", env, want)
			}
		}
		if len(p.Policy) == 0 {
			t.Error("no policy")
		}
	}
}
