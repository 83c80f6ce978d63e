package cli

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/mtu"
)

// MTUResponderOptions are the flags of `tailos mtu responder`.
type MTUResponderOptions struct {
	Listen  string
	Timeout time.Duration
	Verbose bool
	// TCP also answers `tailos mtu probe --routed` on the same port over TCP.
	TCP bool
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
	cmd.Flags().BoolVar(&opts.TCP, "tcp", false, `also answer "tailos mtu probe --routed" on the same port over TCP`)
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
	if opts.TCP {
		tr, err := mtu.ListenTCP(net.JoinHostPort(hostOf(opts.Listen), strconv.Itoa(r.Addr().Port)))
		if err != nil {
			r.Close()
			return BadInput(err)
		}
		if opts.Verbose {
			tr.OnConn = func(from net.Addr, mss uint16, op byte, n int64) {
				fmt.Fprintf(f.IO.ErrOut, "routed probe from %s: SYN MSS %d, %c %d bytes\n", from, mss, op, n)
			}
		}
		go func() { _ = tr.Serve(ctx) }()
		defer tr.Close()
		fmt.Fprintf(f.IO.Out, "answering routed probes on TCP %s %s\n", tr.Addr(), until)
	}
	fmt.Fprintf(f.IO.Out, "answering MTU probes on UDP %s %s\n", r.Addr(), until)
	return r.Serve(ctx)
}

// hostOf is the host part of a listen address ("" for ":port").
func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return h
}
