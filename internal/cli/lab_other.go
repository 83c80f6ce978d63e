//go:build !linux

package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCmdLab builds `tailos lab`, which needs Linux network namespaces.
func NewCmdLab(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:                "lab",
		Short:              "Run a real tailnet of Talos-like nodes in network namespaces (Linux only)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("tailos lab needs Linux (network namespaces, mounts, /dev/net/tun)")
		},
	}
}
