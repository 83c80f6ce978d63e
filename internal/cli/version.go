package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NewCmdVersion prints the tailos version and the versions it targets.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the tailos version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "tailos %s\n", f.Version)
			return err
		},
	}
}
