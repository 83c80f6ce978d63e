package cli

import (
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/version"
)

// NewRootCmd builds the tailos command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "tailos",
		Short: "Tailscale on Talos Linux, correct by construction",
		Long: `tailos generates, checks and proves Tailscale-on-Talos configurations:
Image Factory schematics that keep the extension across upgrades, per-node
Talos patches, tailnet policy, and a linter for the traps in existing configs.`,
		Version:       version.Get(f.Version).Tailos,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return BadInput(err) })

	root.AddCommand(
		NewCmdVersion(f, nil),
		NewCmdMTU(f),
		NewCmdSchematic(f),
		NewCmdInit(f, nil),
		NewCmdGen(f, nil),
		NewCmdCheck(f, nil),
		NewCmdExtension(f),
		NewCmdLab(f),
		NewCmdDoctor(f, nil),
		NewCmdApply(f, nil),
		NewCmdUpgrade(f, nil),
	)
	return root
}
