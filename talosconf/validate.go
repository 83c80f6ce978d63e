package talosconf

import (
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

// Mode is a Talos runtime mode with the semantics of machined's own (which is
// internal to Talos and cannot be imported): only metal requires an install.
type Mode string

// Runtime modes, as `talosctl validate --mode` names them.
const (
	ModeMetal     Mode = "metal"
	ModeCloud     Mode = "cloud"
	ModeContainer Mode = "container"
)

func (m Mode) String() string { return string(m) }

// RequiresInstall implements validation.RuntimeMode: only metal installs.
func (m Mode) RequiresInstall() bool { return m == ModeMetal }

// InContainer implements validation.RuntimeMode.
func (m Mode) InContainer() bool { return m == ModeContainer }

var _ validation.RuntimeMode = ModeMetal

// Validate validates cfg as `talosctl validate --mode metal` does, returning
// machinery's warnings and its (multi)error.
func Validate(cfg config.Provider) (warnings []string, err error) {
	return ValidateMode(cfg, ModeMetal)
}

// ValidateMode validates cfg in the given runtime mode, client side.
func ValidateMode(cfg config.Provider, mode Mode) (warnings []string, err error) {
	return cfg.ValidateAsClient(mode, validation.WithLocal())
}
