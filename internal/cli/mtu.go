package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/mtu"
)

// NewCmdMTU groups the MTU commands.
func NewCmdMTU(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mtu",
		Short: "Compute, check and measure the MTU for tailscale0",
		Long: `tailscale0 is created with MTU 1280 unless TS_DEBUG_MTU says otherwise.
Every packet it sends gains 60 bytes of WireGuard over an IPv4 underlay and
80 over IPv6, and must still fit the underlay MTU: a TUN MTU that is too
large makes full-size packets vanish (TCP connects, then stalls), one that
is too small wastes throughput.

  calc       TS_DEBUG_MTU for a known underlay MTU, with the arithmetic
  probe      measure the underlay path MTU to a peer and derive TS_DEBUG_MTU
  responder  answer the UDP probes of "tailos mtu probe" on the peer`,
	}
	cmd.AddCommand(
		NewCmdMTUCalc(f, nil),
		NewCmdMTUProbe(f, nil),
		NewCmdMTUResponder(f, nil),
	)
	return cmd
}

// mtuAddOutputFlag adds -o/--output text|json.
func mtuAddOutputFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVarP(out, "output", "o", "text", "output format: text or json")
}

func mtuCheckOutput(out string) error {
	if out != "text" && out != "json" {
		return BadInput(fmt.Errorf("invalid --output %q: text or json", out))
	}
	return nil
}

// mtuFamily turns --family into a Family; 0 stays 0 (unset).
func mtuFamily(v int) (mtu.Family, error) {
	f := mtu.Family(v)
	if !f.Valid() {
		return 0, BadInput(fmt.Errorf("invalid --family %d: 4 or 6", v))
	}
	return f, nil
}

// mtuAdvice is what a user needs to apply a computed TUN MTU.
type mtuAdvice struct {
	mtu.Result
	// Env is the line for the ExtensionServiceConfig environment.
	Env string `json:"env"`
	// Spec is the tailos.yaml fragment that makes `tailos gen` compute it.
	Spec string `json:"spec"`
}

func newMTUAdvice(r mtu.Result) mtuAdvice {
	var spec strings.Builder
	fmt.Fprintf(&spec, "cluster:\n  underlayMTU: %d\n", r.Underlay)
	if r.Family == mtu.IPv4 {
		spec.WriteString("  underlayFamily: 4\n")
	}
	spec.WriteString("tailnet:\n  mtu: auto\n")
	return mtuAdvice{Result: r, Env: fmt.Sprintf("TS_DEBUG_MTU=%d", r.TUN), Spec: spec.String()}
}

// writeText prints the arithmetic, the verdict on the default and how to
// apply the value.
func (a mtuAdvice) writeText(w io.Writer) error {
	fits := "fits"
	if !a.DefaultFits {
		fits = "does NOT fit"
	}
	def := mtu.WireSize(mtu.TailscaleDefault, a.Family)
	rel := "≤"
	if !a.DefaultFits {
		rel = ">"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "underlay MTU:  %d (outer %s)\n", a.Underlay, a.Family)
	fmt.Fprintf(&b, "TS_DEBUG_MTU:  %s\n", a.Arithmetic)
	fmt.Fprintf(&b, "default 1280:  %s (%d + %d = %d %s %d)\n", fits, mtu.TailscaleDefault, a.Overhead, def, rel, a.Underlay)
	for _, warn := range a.Warnings {
		fmt.Fprintf(&b, "warning:       %s\n", warn)
	}
	fmt.Fprintf(&b, "\nenvironment:   %s\n", a.Env)
	b.WriteString("tailos.yaml:\n")
	for _, l := range strings.SplitAfter(strings.TrimSuffix(a.Spec, "\n"), "\n") {
		b.WriteString("  " + l)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func mtuWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
