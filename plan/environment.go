package plan

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/tailos/tailos/spec"
)

// environment is the ExtensionServiceConfig environment for a node, in the
// order containerboot documents its variables. Flags containerboot already
// passes (--authkey, --hostname, --advertise-routes, --accept-dns) are set
// through their variables, never repeated in TS_EXTRA_ARGS: a repeated flag
// is fatal since Tailscale 1.84 ("flag provided multiple times").
func environment(s *spec.Spec, n spec.Node, routes []netip.Prefix, exit bool, tunMTU int, auth Auth, separateAuth bool) []string {
	t := s.Tailnet
	var env []string
	if !separateAuth {
		env = append(env, auth.EnvEntry(auth.PlaceholderValue()))
	}
	env = append(env,
		// Log in only when the state has no identity: an expired key must
		// not stop an already-registered node from coming back after a reboot.
		"TS_AUTH_ONCE=true",
		"TS_HOSTNAME="+s.Hostname(n),
		// Explicit even though containerboot defaults to false: MagicDNS must
		// not take over the node's resolver (and cannot write it on Talos).
		"TS_ACCEPT_DNS="+strconv.FormatBool(t.AcceptDNS),
	)
	if len(routes) > 0 {
		rs := make([]string, len(routes))
		for i, r := range routes {
			rs[i] = r.String()
		}
		env = append(env, "TS_ROUTES="+strings.Join(rs, ","))
	}
	env = append(env, "TS_EXTRA_ARGS="+strings.Join(extraArgs(s, n, len(routes) > 0, exit), " "))
	// tailscaled picks a random UDP port unless told; firewalls and the
	// KubeSpan port (51820) need a known one.
	env = append(env, "TS_TAILSCALED_EXTRA_ARGS=--port="+strconv.Itoa(s.Port(n)))
	if tunMTU != 0 {
		env = append(env, "TS_DEBUG_MTU="+strconv.Itoa(tunMTU))
	}
	// Read by the tailos-built extension's entrypoint only; containerboot
	// and the official extension ignore it.
	if c := s.MSSClampFor(n); c != "" {
		env = append(env, "TAILOS_MSS_CLAMP="+c)
	}
	return env
}

// extraArgs are the `tailscale up` flags containerboot has no variable for.
// With TS_AUTH_ONCE=true they apply at first login only.
func extraArgs(s *spec.Spec, n spec.Node, routes, exit bool) []string {
	t := s.Tailnet
	args := []string{"--advertise-tags=" + strings.Join(s.Tags(n), ",")}
	if t.LoginServer != "" {
		args = append(args, "--login-server="+t.LoginServer)
	}
	// SNAT concerns subnet routes; on an exit node without subnet routes
	// turning it off only earns the "nosnat-with-advertised-exit-node" warning.
	if routes && t.SNATSubnetRoutes != nil {
		args = append(args, "--snat-subnet-routes="+strconv.FormatBool(*t.SNATSubnetRoutes))
	}
	if exit {
		args = append(args, "--advertise-exit-node")
	}
	if t.AcceptRoutes {
		args = append(args, "--accept-routes")
	}
	if t.SSH {
		args = append(args, "--ssh")
	}
	return args
}
