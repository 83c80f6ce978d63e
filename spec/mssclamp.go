package spec

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Limits on a fixed mssClamp: the same as the clamp program's
// (extension/mssclamp MinMTU and MaxMTU; a test keeps them equal).
const (
	MinClampMTU = 576
	MaxClampMTU = 9000
)

// MSSClamp is tailnet.mssClamp: auto (the default: routers and exit nodes
// clamp to tailscale0's MTU), off, or a path MTU in bytes to clamp to.
type MSSClamp struct {
	Off   bool
	Value int
}

func (m MSSClamp) String() string {
	switch {
	case m.Off:
		return "off"
	case m.Value != 0:
		return strconv.Itoa(m.Value)
	}
	return "auto"
}

// UnmarshalYAML accepts auto, off or an integer.
func (m *MSSClamp) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: mssClamp must be auto, off or a path MTU in bytes", n.Line)
	}
	switch n.Value {
	case "auto":
		*m = MSSClamp{}
		return nil
	case "off":
		*m = MSSClamp{Off: true}
		return nil
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: mssClamp must be auto, off or a path MTU in bytes, not %q", n.Line, n.Value)
	}
	*m = MSSClamp{Value: v}
	return nil
}

// MarshalYAML writes the same forms back.
func (m MSSClamp) MarshalYAML() (any, error) {
	if m.Value != 0 && !m.Off {
		return m.Value, nil
	}
	return m.String(), nil
}

// MarshalJSON mirrors MarshalYAML.
func (m MSSClamp) MarshalJSON() ([]byte, error) {
	if m.Value != 0 && !m.Off {
		return []byte(strconv.Itoa(m.Value)), nil
	}
	return []byte(strconv.Quote(m.String())), nil
}

// IsZero lets omitempty drop the default (auto).
func (m MSSClamp) IsZero() bool { return !m.Off && m.Value == 0 }

// MSSClampFor is the TAILOS_MSS_CLAMP value for n: auto or a path MTU for a
// node that forwards traffic (subnet router or exit node), "" for any other
// node and when the clamp is off.
func (s *Spec) MSSClampFor(n Node) string {
	m := s.Tailnet.MSSClamp
	if m.Off || (len(s.Routes(n)) == 0 && !s.IsExitNode(n)) {
		return ""
	}
	return m.String()
}
