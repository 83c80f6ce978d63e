//go:build linux

package cli

import (
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/lab"
	"github.com/tailos/tailos/lab/talosnode"
)

// newCmdLabContainerInit is what `tailos lab` re-executes as PID 1 of a
// node's container or a Talos node's init: it builds the root and execs
// the entrypoint (or machined).
func newCmdLabContainerInit() *cobra.Command {
	return &cobra.Command{
		Use:    labContainerInitCmd,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lab.IsReaper() {
				return lab.RunReaper()
			}
			if talosnode.IsInit() {
				return talosnode.RunInit()
			}
			return lab.RunContainerInit()
		},
	}
}
