package spec

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func goodParts() (Cluster, Tailnet, []Node) {
	return Cluster{Name: "homelab", Endpoint: "https://192.168.1.10:6443", LANSubnets: []string{"192.168.1.0/24"}},
		Tailnet{Auth: Auth{AuthKey: "env:TS_AUTHKEY"}},
		[]Node{{Name: "cp-1", Role: "controlplane", Address: "192.168.1.11"}}
}

// A spec built in Go is the spec the same YAML parses to.
func TestNewMatchesParse(t *testing.T) {
	parsed, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c, tn, nodes := goodParts()
	built, err := New(c, tn, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed.Cluster, built.Cluster) || !reflect.DeepEqual(parsed.Tailnet, built.Tailnet) || !reflect.DeepEqual(parsed.Nodes, built.Nodes) {
		t.Errorf("built spec differs from parsed:\nbuilt  %+v\nparsed %+v", built, parsed)
	}
	if built.File() != "" {
		t.Errorf("File() = %q for a spec built in Go", built.File())
	}
}

// Errors and warnings of a spec built in Go name the field, and no file.
func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Cluster, *Tailnet, *[]Node)
		field string
		want  string
	}{
		{"no lan", func(c *Cluster, _ *Tailnet, _ *[]Node) { c.LANSubnets = nil }, "cluster.lanSubnets", "cluster.lanSubnets: is required"},
		{"bad address", func(_ *Cluster, _ *Tailnet, n *[]Node) { (*n)[0].Address = "10.0.0.5" }, "nodes[0].address", "nodes[0].address: 10.0.0.5 is outside the LAN subnets 192.168.1.0/24"},
		{"no auth", func(_ *Cluster, tn *Tailnet, _ *[]Node) { tn.Auth = Auth{} }, "tailnet.auth", "tailnet.auth: set authKey or oauthSecret"},
		{"bad mode", func(c *Cluster, _ *Tailnet, _ *[]Node) { c.Mode = "mesh" }, "cluster.mode", `cluster.mode: unknown mode "mesh"`},
		{"no nodes", func(_ *Cluster, _ *Tailnet, n *[]Node) { *n = nil }, "nodes", "nodes: at least one node is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, tn, nodes := goodParts()
			tc.edit(&c, &tn, &nodes)
			_, err := New(c, tn, nodes...)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want Errors", err)
			}
			found := false
			for _, e := range es {
				if e.Field == tc.field && e.File == "" && e.Line == 0 && strings.HasPrefix(e.Error(), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %q lack %q", err, tc.want)
			}
		})
	}
}

// Defaults that depend on another field follow it when it is set first.
func TestWithDefaultsFollowsMode(t *testing.T) {
	c, tn, nodes := goodParts()
	c.Mode = ModeClusterNetwork
	tn.Routes.Advertise = []string{"pods"}
	s := (&Spec{Cluster: c, Tailnet: tn, Nodes: nodes}).WithDefaults()
	if s.Cluster.KubeSpan != KubeSpanDisabled {
		t.Errorf("kubespan = %q in cluster-network mode, want %q", s.Cluster.KubeSpan, KubeSpanDisabled)
	}
	if !reflect.DeepEqual(s.Tailnet.Routes.On, []string{"controlplane"}) {
		t.Errorf("routes.on = %v", s.Tailnet.Routes.On)
	}
	s.Cluster.PodSubnets = []string{"10.200.0.0/16"}
	if s.WithDefaults().Cluster.PodSubnets[0] != "10.200.0.0/16" {
		t.Error("WithDefaults replaced a set field")
	}
}

// Validate returns warnings machinery-style, the same on every call, and a
// parsed spec changed in Go keeps its file:line.
func TestValidate(t *testing.T) {
	s, err := Parse("t.yaml", []byte(strings.Replace(good, "https://192.168.1.10:6443", "https://api.example.com:6443", 1)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		warnings, err := s.Validate()
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "t.yaml:3: cluster.endpoint: host api.example.com is not a node's address") {
			t.Fatalf("call %d: warnings %q", i+1, warnings)
		}
	}
	s.Cluster.VIP = "api.example.com"
	if warnings, err := s.Validate(); err != nil || len(warnings) != 0 || len(s.Warnings()) != 0 {
		t.Errorf("with the VIP stated: warnings %q, err %v", warnings, err)
	}
	s.Nodes[0].Address = "10.0.0.5"
	_, err = s.Validate()
	if err == nil || !strings.Contains(err.Error(), "t.yaml:11: nodes[0].address: 10.0.0.5 is outside") {
		t.Errorf("err = %v", err)
	}
}

// A spec built in Go saves as the YAML file that parses back to it.
func TestNewSavesAsYAML(t *testing.T) {
	c, tn, nodes := goodParts()
	c.Mode = ModeClusterNetwork
	c.UnderlayMTU = 1500
	tn.MTU = MTU{Auto: true}
	tn.Routes.Advertise = []string{"pods", "10.50.0.0/16"}
	built, err := New(c, tn, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse("tailos.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(parsed.Cluster, built.Cluster) || !reflect.DeepEqual(parsed.Tailnet, built.Tailnet) || !reflect.DeepEqual(parsed.Nodes, built.Nodes) {
		t.Errorf("saved and parsed back, the spec differs:\n%s", data)
	}
}

// Where names file:line and field for a parsed spec, the field alone for
// one built in Go.
func TestWhere(t *testing.T) {
	parsed, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c, tn, nodes := goodParts()
	built, err := New(c, tn, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    *Spec
		path []any
		want string
	}{
		{parsed, []any{"nodes", 0, "address"}, "t.yaml:11: nodes[0].address"},
		{parsed, []any{"cluster", "createdWith"}, "t.yaml:1: cluster.createdWith"},
		{built, []any{"nodes", 0, "address"}, "nodes[0].address"},
	} {
		if got := tc.s.Where(tc.path...); got != tc.want {
			t.Errorf("Where(%v) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
