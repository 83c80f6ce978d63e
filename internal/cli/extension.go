package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdExtension groups the system extension commands.
func NewCmdExtension(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "extension",
		Short: "Build and inspect the Tailscale system extension image",
		Long: `extension builds the Tailscale system extension for Talos Linux from any
tailscale.com release (for air-gapped sites, or versions newer than the
official siderolabs/tailscale), and inspects extension images: manifest,
service spec and the version and digest of every binary.

Every image is checked with Talos's own extension loader and validators.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdExtensionBuild(f, nil),
		NewCmdExtensionInspect(f, nil),
	)
	return cmd
}
