package spec

import (
	"strings"
	"testing"
)

// TestMSSClampFor: auto by default on routers and exit nodes only, a fixed
// path MTU passed through, nothing when off.
func TestMSSClampFor(t *testing.T) {
	const base = `cluster:
  name: homelab
  endpoint: https://192.168.1.11:6443
  lanSubnets: [192.168.1.0/24]
tailnet:
  auth:
    authKey: env:TS_AUTHKEY
  routes:
    advertise: [192.168.1.0/24]
    on: [router]
  exitNode:
    on: [exit]
nodes:
  - {name: cp-1, role: controlplane, address: 192.168.1.11}
  - {name: router, role: worker, address: 192.168.1.12}
  - {name: exit, role: worker, address: 192.168.1.13}
`
	tests := []struct {
		name, clamp string
		want        map[string]string
	}{
		{"default", "", map[string]string{"cp-1": "", "router": "auto", "exit": "auto"}},
		{"auto", "auto", map[string]string{"cp-1": "", "router": "auto", "exit": "auto"}},
		{"fixed", "1200", map[string]string{"cp-1": "", "router": "1200", "exit": "1200"}},
		{"off", "off", map[string]string{"cp-1": "", "router": "", "exit": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			if tt.clamp != "" {
				src = strings.Replace(src, "  routes:", "  mssClamp: "+tt.clamp+"\n  routes:", 1)
			}
			s, err := Parse("t.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range s.Nodes {
				if got := s.MSSClampFor(n); got != tt.want[n.Name] {
					t.Errorf("%s: MSSClampFor = %q, want %q", n.Name, got, tt.want[n.Name])
				}
			}
		})
	}
}
