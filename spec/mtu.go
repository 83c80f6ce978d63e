package spec

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// MTU is either a number (TS_DEBUG_MTU as given), "auto" (computed from the
// underlay MTU) or unset (Tailscale's default of 1280).
type MTU struct {
	Auto  bool
	Value int
}

// IsSet reports whether the user asked for anything.
func (m MTU) IsSet() bool { return m.Auto || m.Value != 0 }

func (m MTU) String() string {
	switch {
	case m.Auto:
		return "auto"
	case m.Value != 0:
		return strconv.Itoa(m.Value)
	}
	return ""
}

// UnmarshalYAML accepts an integer or the word auto.
func (m *MTU) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: mtu must be a number or \"auto\"", n.Line)
	}
	if n.Value == "auto" {
		*m = MTU{Auto: true}
		return nil
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: mtu must be a positive number or \"auto\", not %q", n.Line, n.Value)
	}
	*m = MTU{Value: v}
	return nil
}

// MarshalYAML writes the same forms back.
func (m MTU) MarshalYAML() (any, error) {
	if m.Auto {
		return "auto", nil
	}
	return m.Value, nil
}

// MarshalJSON mirrors MarshalYAML.
func (m MTU) MarshalJSON() ([]byte, error) {
	if m.Auto {
		return []byte(`"auto"`), nil
	}
	return []byte(strconv.Itoa(m.Value)), nil
}

// IsZero lets omitempty drop an unset MTU.
func (m MTU) IsZero() bool { return !m.IsSet() }
