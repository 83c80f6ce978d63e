//go:build linux

package lab

import (
	"fmt"
	"os"
	"strings"

	"github.com/tailos/tailos/spec"
)

// BuiltinSpec is the spec the lab uses without -f: nodes node-1…node-N on
// the lab underlay, tagged tag:talos and owned by the Headscale user lab@,
// in cluster-network mode (so the policy lets nodes talk to each other),
// node-1 advertising the pod CIDR (auto-approved by the policy), every node
// accepting routes, MagicDNS kept off the nodes, a fixed UDP port. mtuSetting
// is "auto", a number, or "" for Tailscale's default; ipv6 false says the
// tailnet carries no IPv6, so auto may go below 1280.
func BuiltinSpec(nodes, underlayMTU int, mtuSetting string, ipv6 bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `cluster:
  name: lab
  endpoint: https://%s:6443
  lanSubnets: [%s]
  podSubnets: [10.244.0.0/16]
  serviceSubnets: [10.96.0.0/12]
  mode: cluster-network
  underlayMTU: %d
  underlayFamily: 4
tailnet:
  auth:
    authKey: env:TS_AUTHKEY
  tags: [tag:talos]
  hostname: "{node}"
  loginServer: https://%s
  admins: [lab@]
  acceptDNS: false
  acceptRoutes: true
  routes:
    advertise: [pods]
    on: [node-1]
  port: 41641
`, nodeAddr(0), underlayNet, underlayMTU, headscaleAddr)
	if mtuSetting != "" {
		fmt.Fprintf(&b, "  mtu: %s\n", mtuSetting)
	}
	if !ipv6 {
		b.WriteString("  ipv6: false\n")
	}
	b.WriteString("nodes:\n")
	for i := 0; i < nodes; i++ {
		role := "worker"
		if i == 0 {
			role = "controlplane"
		}
		fmt.Fprintf(&b, "  - name: node-%d\n    role: %s\n    address: %s\n", i+1, role, nodeAddr(i))
	}
	return []byte(b.String())
}

// loadSpec parses the user's spec file or the built-in one.
func loadSpec(o *Options) (*spec.Spec, error) {
	if o.SpecFile == "" {
		u := o.UnderlayMTU
		if u == 0 {
			u = 1500
		}
		return spec.Parse("builtin-lab.yaml", BuiltinSpec(o.Nodes, u, o.MTU, !o.NoTailnetIPv6))
	}
	data, err := os.ReadFile(o.SpecFile)
	if err != nil {
		return nil, err
	}
	return spec.Parse(o.SpecFile, data)
}

// envKey is the name in a KEY=VALUE entry.
func envKey(e string) string {
	k, _, _ := strings.Cut(e, "=")
	return k
}

// rewriteEnv replaces, in a node's generated ExtensionServiceConfig
// environment, the auth key with the lab's pre-auth key and any
// --login-server in TS_EXTRA_ARGS with the lab's Headscale (adding it when
// absent). Nothing else changes.
func rewriteEnv(env []string, authKey, loginServer string) []string {
	out := make([]string, 0, len(env))
	sawExtra := false
	for _, e := range env {
		switch envKey(e) {
		case "TS_AUTHKEY", "TS_AUTH_KEY":
			e = envKey(e) + "=" + authKey
		case "TS_EXTRA_ARGS":
			sawExtra = true
			_, v, _ := strings.Cut(e, "=")
			var args []string
			found := false
			for _, a := range strings.Fields(v) {
				if strings.HasPrefix(a, "--login-server=") {
					a = "--login-server=" + loginServer
					found = true
				}
				args = append(args, a)
			}
			if !found {
				args = append(args, "--login-server="+loginServer)
			}
			e = "TS_EXTRA_ARGS=" + strings.Join(args, " ")
		}
		out = append(out, e)
	}
	if !sawExtra {
		out = append(out, "TS_EXTRA_ARGS=--login-server="+loginServer)
	}
	return out
}

// MaskEnv hides secret values in an environment list for display.
func MaskEnv(env []string) []string {
	out := make([]string, len(env))
	for i, e := range env {
		out[i] = MaskLog(e)
	}
	return out
}
