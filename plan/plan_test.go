package plan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tailscale/hujson"

	"github.com/tailos/tailos/spec"
)

const base = `cluster:
  name: c
  endpoint: https://192.168.1.10:6443
  lanSubnets: [192.168.1.0/24]
tailnet:
  auth: {authKey: env:TS_AUTHKEY}
  routes: {advertise: [pods, 192.168.50.0/24], on: [cp-1]}
  exitNode: {on: [w-1]}
nodes:
  - {name: cp-1, role: controlplane, address: 192.168.1.11}
  - {name: w-1, role: worker, address: 192.168.1.21, tags: [tag:exit]}
`

type policy struct {
	Groups        map[string][]string `json:"groups"`
	TagOwners     map[string][]string `json:"tagOwners"`
	AutoApprovers struct {
		Routes   map[string][]string `json:"routes"`
		ExitNode []string            `json:"exitNode"`
	} `json:"autoApprovers"`
	Grants    []map[string][]string `json:"grants"`
	ACLs      []map[string]any      `json:"acls"`
	NodeAttrs []struct {
		Target []string `json:"target"`
		Attr   []string `json:"attr"`
	} `json:"nodeAttrs"`
}

func parsePolicy(t *testing.T, b []byte) policy {
	t.Helper()
	v, err := hujson.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	v.Standardize()
	var p policy
	dec := json.NewDecoder(strings.NewReader(string(v.Pack())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// autoApprovers approve exactly what is advertised, by exactly the tags of
// the nodes advertising it; grants reach the Talos and Kubernetes APIs.
func TestPolicyTailscale(t *testing.T) {
	s, err := spec.Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Policy(s)
	if err != nil {
		t.Fatal(err)
	}
	p := parsePolicy(t, b)
	if len(p.AutoApprovers.Routes) != 2 ||
		!slices.Equal(p.AutoApprovers.Routes["10.244.0.0/16"], []string{"tag:talos"}) ||
		!slices.Equal(p.AutoApprovers.Routes["192.168.50.0/24"], []string{"tag:talos"}) {
		t.Errorf("routes: %v", p.AutoApprovers.Routes)
	}
	if !slices.Equal(p.AutoApprovers.ExitNode, []string{"tag:exit"}) {
		t.Errorf("exitNode: %v", p.AutoApprovers.ExitNode)
	}
	if !slices.Equal(p.TagOwners["tag:exit"], []string{"autogroup:admin"}) || p.TagOwners["tag:talos"] == nil {
		t.Errorf("tagOwners: %v", p.TagOwners)
	}
	if len(p.Grants) == 0 || !slices.Equal(p.Grants[0]["ip"], []string{"tcp:50000", "tcp:6443"}) {
		t.Errorf("grants: %v", p.Grants)
	}
	if p.ACLs != nil {
		t.Error("acls emitted for Tailscale; grants are the current form")
	}
}

// Headscale gets acls and defined groups: it rejects grants and undefined groups.
func TestPolicyHeadscale(t *testing.T) {
	hs := strings.Replace(base, "  auth: {authKey: env:TS_AUTHKEY}", "  auth: {authKey: env:TS_AUTHKEY}\n  loginServer: http://198.18.0.1:8080\n  admins: [group:ops, alice@]", 1)
	s, err := spec.Parse("t.yaml", []byte(hs))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Policy(s)
	if err != nil {
		t.Fatal(err)
	}
	p := parsePolicy(t, b)
	if p.Grants != nil || len(p.ACLs) != 3 {
		t.Fatalf("grants %v acls %v", p.Grants, p.ACLs)
	}
	// The exit node is approved and its use granted to the admins.
	if dst := p.ACLs[2]["dst"].([]any); len(dst) != 1 || dst[0] != "autogroup:internet:*" {
		t.Errorf("exit node acl dst: %v", dst)
	}
	if _, ok := p.Groups["group:ops"]; !ok || len(p.Groups) != 1 {
		t.Errorf("groups: %v", p.Groups)
	}
	if dst := p.ACLs[0]["dst"].([]any); dst[0] != "tag:talos:50000,6443" {
		t.Errorf("acl dst: %v", dst)
	}
}

// A LAN numbered from CGNAT space gets the node attribute that stops
// tailscaled dropping it; an ordinary LAN does not.
func TestPolicyCGNATLAN(t *testing.T) {
	cgnat := strings.NewReplacer("192.168.1.", "100.100.1.", "192.168.1.0/24", "100.100.1.0/24").Replace(base)
	for _, tc := range []struct {
		name, src string
		want      bool
	}{{"cgnat LAN", cgnat, true}, {"private LAN", base, false}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse("t.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			b, err := Policy(s)
			if err != nil {
				t.Fatal(err)
			}
			p := parsePolicy(t, b)
			got := len(p.NodeAttrs) == 1 && slices.Equal(p.NodeAttrs[0].Attr, []string{"disable-linux-cgnat-drop-rule"}) &&
				slices.Contains(p.NodeAttrs[0].Target, "tag:talos")
			if got != tc.want || !tc.want && p.NodeAttrs != nil {
				t.Errorf("nodeAttrs %+v, want the attribute: %v\n%s", p.NodeAttrs, tc.want, b)
			}
		})
	}
	cn := strings.Replace(cgnat, "lanSubnets: [100.100.1.0/24]", "lanSubnets: [100.100.1.0/24]\n  mode: cluster-network", 1)
	if _, err := spec.Parse("t.yaml", []byte(cn)); err == nil || !strings.Contains(err.Error(), "could not tell the LAN from the tailnet") {
		t.Errorf("cluster-network mode with a CGNAT LAN: %v", err)
	}
}

func TestEnvironmentNeverRepeatsContainerbootFlags(t *testing.T) {
	s, err := spec.Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Nodes {
		for _, e := range n.Environment {
			if !strings.HasPrefix(e, "TS_EXTRA_ARGS=") {
				continue
			}
			for _, f := range []string{"--authkey", "--auth-key", "--hostname", "--advertise-routes", "--accept-dns"} {
				if strings.Contains(e, f) {
					t.Errorf("%s: %s repeats %s", n.Spec.Name, e, f)
				}
			}
		}
	}
	sep, err := Build(s, Options{SeparateAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sep.Nodes[0].Environment {
		if strings.HasPrefix(e, "TS_AUTHKEY=") {
			t.Error("SeparateAuth left TS_AUTHKEY in the node environment")
		}
	}
}

// mtu: auto keeps IPv6's 1280 floor unless the spec gives IPv6 up; the
// arithmetic is the mtu package's.
func TestAutoMTU(t *testing.T) {
	for _, tc := range []struct {
		extra string
		want  string
	}{
		{"", "TS_DEBUG_MTU=1280"},
		{"  ipv6: false\n", "TS_DEBUG_MTU=1240"},
	} {
		src := strings.Replace(base, "  lanSubnets: [192.168.1.0/24]", "  lanSubnets: [192.168.1.0/24]\n  underlayMTU: 1300\n  underlayFamily: 4", 1)
		src = strings.Replace(src, "tailnet:\n", "tailnet:\n  mtu: auto\n"+tc.extra, 1)
		s, err := spec.Parse("t.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Build(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := p.Nodes[0]
		if !slices.Contains(n.Environment, tc.want) {
			t.Errorf("ipv6 %q: environment %v, want %s", tc.extra, n.Environment, tc.want)
		}
		if tc.extra == "" && len(n.Warnings) == 0 {
			t.Error("no warning that 1280 + 60 does not fit a 1300-byte underlay")
		}
	}
}
