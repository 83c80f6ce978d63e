package spec

import "strings"

// A Go program builds a spec as a literal and then does what Parse does
// after decoding: New in one call, or WithDefaults and Validate in steps.
// A spec built in Go has no file: its errors and warnings name the field
// (cluster.lanSubnets[0]) without a file:line.

// New builds a spec from its parts, applies the defaults and validates it,
// as Parse does for a file. The error is an Errors listing every problem
// by field; the spec's Warnings are the problems that do not stop gen.
func New(cluster Cluster, tailnet Tailnet, nodes ...Node) (*Spec, error) {
	s := &Spec{Cluster: cluster, Tailnet: tailnet, Nodes: nodes}
	if _, err := s.WithDefaults().Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// WithDefaults fills, in place, every field s leaves unset with what Parse
// would give it (Talos version, platform, subnets, tags, port, KubeSpan
// policy for the mode, ...) and returns s. Set fields are kept, so it may
// be called again after a change; a default that depends on another field
// (kubespan on mode, routes.on on routes.advertise) is only filled while
// still unset, so set such fields before the first call.
func (s *Spec) WithDefaults() *Spec {
	s.applyDefaults()
	return s
}

// Validate checks the whole spec as Parse does and returns, in machinery's
// style, the warnings (located problems that do not make it invalid) and
// an Errors naming each problem's field, and file:line for a parsed spec.
// It validates what is there: call WithDefaults first for a spec built in
// Go. Warnings() returns the same warnings afterwards.
func (s *Spec) Validate() (warnings []string, err error) {
	s.warnings = nil
	err = s.validate()
	return s.Warnings(), err
}

// Where locates the value at path for a message about it: "file:line:
// field" for a parsed spec, the field alone for one built in Go.
func (s *Spec) Where(path ...any) string {
	return strings.TrimSuffix(s.errAt("", path...).Error(), ": ")
}
