package cli

import (
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/mtu"
)

// MTUCalcOptions are the flags of `tailos mtu calc`.
type MTUCalcOptions struct {
	Underlay    int
	Family      mtu.Family
	TailnetIPv6 bool
	Output      string
}

// NewCmdMTUCalc builds `tailos mtu calc`.
func NewCmdMTUCalc(f *Factory, runF func(*MTUCalcOptions) error) *cobra.Command {
	opts := &MTUCalcOptions{}
	var family int
	cmd := &cobra.Command{
		Use:   "calc --underlay N",
		Short: "Compute TS_DEBUG_MTU from the underlay MTU",
		Long: `calc computes the MTU for tailscale0 from the MTU of the network Tailscale's
WireGuard packets travel over: underlay − 80 when they go over IPv6 (the
worst case, and the default), underlay − 60 over IPv4. tailscale0 carries
IPv6, so the result never goes below 1280; when the underlay is too small
for that, calc says so and what to do.

It prints the arithmetic, the environment line for the extension and the
tailos.yaml lines that make "tailos gen" compute the same value.`,
		Example: `  tailos mtu calc --underlay 1500
  tailos mtu calc --underlay 1492 --family 4
  tailos mtu calc --underlay 9000 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Family, err = mtuFamily(family); err != nil {
				return err
			}
			if err := mtuCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runMTUCalc(f, opts)
		},
	}
	cmd.Flags().IntVar(&opts.Underlay, "underlay", 0, "MTU of the interface tailscaled sends on (required)")
	cmd.Flags().IntVar(&family, "family", 6, "outer IP family of WireGuard packets: 4 or 6")
	cmd.Flags().BoolVar(&opts.TailnetIPv6, "tailnet-ipv6", true, "the tailnet carries IPv6, so tailscale0 needs at least 1280")
	mtuAddOutputFlag(cmd, &opts.Output)
	_ = cmd.MarkFlagRequired("underlay")
	return cmd
}

func runMTUCalc(f *Factory, opts *MTUCalcOptions) error {
	r, err := mtu.FromUnderlay(opts.Underlay, opts.Family, opts.TailnetIPv6)
	if err != nil {
		return BadInput(err)
	}
	a := newMTUAdvice(r)
	if opts.Output == "json" {
		return mtuWriteJSON(f.IO.Out, a)
	}
	return a.writeText(f.IO.Out)
}
