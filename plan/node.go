package plan

import (
	"fmt"
	"strings"

	"github.com/tailos/tailos/mtu"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

func buildNode(s *spec.Spec, n spec.Node, sh *shared, shape talosconf.Shape, auth Auth, separateAuth bool) (Node, error) {
	role, err := talosconf.ParseRole(n.Role)
	if err != nil {
		return Node{}, err
	}
	image, err := sh.installerImage(Target(s, n))
	if err != nil {
		return Node{}, fmt.Errorf("installer image: %w", err)
	}
	if s.TailosExtension() {
		// The imager's installer with the tailos-built extension.
		image = s.Tailnet.Extension.Installer
	}
	np := Node{
		Spec:         n,
		Role:         role,
		Hostname:     s.Hostname(n),
		MagicDNS:     s.MagicDNSName(n),
		InstallImage: image,
		Routes:       s.Routes(n),
		ExitNode:     s.IsExitNode(n),
		Shape:        shape,
	}
	if snat := s.Tailnet.SNATSubnetRoutes; np.ExitNode && len(np.Routes) > 0 && snat != nil && !*snat {
		np.Warnings = append(np.Warnings, "routes subnets with --snat-subnet-routes=false and is an exit node: "+
			"Tailscale warns that exit node traffic may not work without SNAT (nosnat-with-advertised-exit-node)")
	}
	tun, err := nodeMTU(s, n, &np)
	if err != nil {
		return Node{}, err
	}
	np.Environment = environment(s, n, np.Routes, np.ExitNode, tun, auth, separateAuth)
	np.Documents, err = documents(docInput{
		shared:       sh,
		s:            s,
		n:            n,
		role:         role,
		env:          np.Environment,
		installImage: image,
		certSANs:     certSANs(s, n),
		forwarding:   needsForwarding(np.Routes, np.ExitNode),
	}, shape)
	if err != nil {
		return Node{}, err
	}
	return np, nil
}

// nodeMTU resolves the node's TS_DEBUG_MTU: computed for auto, checked for
// an explicit number, 0 (Tailscale's 1280 default) when unset.
func nodeMTU(s *spec.Spec, n spec.Node, np *Node) (int, error) {
	m, underlay, family := s.MTUFor(n)
	switch {
	case m.Auto:
		// While the tailnet carries IPv6 the TUN MTU may not go below 1280.
		r, err := mtu.FromUnderlay(underlay, mtu.Family(family), s.TailnetIPv6())
		if err != nil {
			return 0, fmt.Errorf("mtu: %w", err)
		}
		np.MTU = &r
		np.Warnings = append(np.Warnings, r.Warnings...)
		return r.TUN, nil
	case m.Value != 0:
		if probs := mtu.Check(m.Value, underlay, mtu.Family(family), s.TailnetIPv6()); len(probs) > 0 {
			msgs := make([]string, len(probs))
			for i, p := range probs {
				msgs[i] = p.Message
			}
			return 0, fmt.Errorf("mtu %d: %s", m.Value, strings.Join(msgs, "; "))
		}
		return m.Value, nil
	}
	return 0, nil
}
