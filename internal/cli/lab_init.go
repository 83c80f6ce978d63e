//go:build linux

package cli

import (
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/lab"
)

// newCmdLabContainerInit is what `tailos lab` re-executes as PID 1 of a
// node's container: it builds the container root and execs the entrypoint.
func newCmdLabContainerInit() *cobra.Command {
	return &cobra.Command{
		Use:    labContainerInitCmd,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return lab.RunContainerInit()
		},
	}
}
