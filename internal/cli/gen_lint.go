package cli

import (
	"github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/tailos/tailos/gen"
	"github.com/tailos/tailos/spec"
)

// genLint runs the check rules over a node's verified config.
func genLint(cfg config.Provider, mode spec.Mode, node string) []gen.Finding {
	return nil
}
