package cli

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/mtu"
)

// MTUResponderOptions are the flags of `tailos mtu responder`.
type MTUResponderOptions struct {
	Listen  string
	Timeout time.Duration
	Verbose bool
}

// NewCmdMTUResponder builds `tailos mtu responder`.
func NewCmdMTUResponder(f *Factory, runF func(*MTUResponderOptions) error) *cobra.Command {
	opts := &MTUResponderOptions{}
	cmd := &cobra.Command{
		Use:   "responder",
		Short: `Answer the UDP probes of "tailos mtu probe"`,
		Long: `responder listens on a UDP port and answers each probe of "tailos mtu probe"
with the size it received. Answers are 20 bytes, so only the path towards
the responder is measured, and nothing is amplified. It runs until
interrupted or until --timeout has passed.`,
		Example: `  tailos mtu responder
  tailos mtu responder --listen 192.168.1.20:41699 --timeout 5m -v`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Timeout < 0 {
				return BadInput(fmt.Errorf("invalid --timeout %s: must not be negative", opts.Timeout))
			}
			if runF != nil {
				return runF(opts)
			}
			return runMTUResponder(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", fmt.Sprintf(":%d", mtu.DefaultPort), "UDP address to listen on")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "stop after this long (0: run until interrupted)")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "print every probe answered on stderr")
	return cmd
}

func runMTUResponder(ctx context.Context, f *Factory, opts *MTUResponderOptions) error {
	r, err := mtu.Listen(opts.Listen)
	if err != nil {
		return BadInput(err)
	}
	if opts.Verbose {
		r.OnProbe = func(from net.Addr, size int) {
			fmt.Fprintf(f.IO.ErrOut, "probe %5d bytes from %s\n", size, from)
		}
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	until := "until interrupted"
	if opts.Timeout > 0 {
		until = "for " + opts.Timeout.String()
	}
	fmt.Fprintf(f.IO.Out, "answering MTU probes on UDP %s %s\n", r.Addr(), until)
	return r.Serve(ctx)
}
