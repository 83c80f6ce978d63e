package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/mtu"
)

// MTUProbeOptions are the flags of `tailos mtu probe`.
type MTUProbeOptions struct {
	Host        string
	Port        int
	Family      mtu.Family
	Method      mtu.Method
	Max         int
	Timeout     time.Duration
	MaxProbes   int
	Verbose     bool
	TailnetIPv6 bool
	Output      string
	// Routed measures TCP across a router instead of the datagram path MTU.
	Routed bool
	Bytes  int64
}

// NewCmdMTUProbe builds `tailos mtu probe`.
func NewCmdMTUProbe(f *Factory, runF func(*MTUProbeOptions) error) *cobra.Command {
	opts := &MTUProbeOptions{}
	var family int
	var method string
	cmd := &cobra.Command{
		Use:   "probe HOST",
		Short: "Measure the underlay path MTU to a peer and derive TS_DEBUG_MTU",
		Long: `probe measures the largest packet that reaches HOST over the underlay
without fragmentation, by a binary search with don't-fragment probes between
576 (1280 over IPv6) and the MTU of the local interface towards HOST. Run it
between the machines that will be tailnet peers, over the addresses
tailscaled will use.

Two methods:
  udp   (default) UDP datagrams to "tailos mtu responder" on HOST, which
        answers each with the size it received. Works as a normal user.
  icmp  ICMP echo requests; needs CAP_NET_RAW or the user's group in
        net.ipv4.ping_group_range, and a HOST that answers pings.

A size is judged too big when the local interface refuses it, a router
answers "fragmentation needed", or no answer comes back; the whole search is
bounded by --timeout and --max-probes. It prints the path MTU, the
TS_DEBUG_MTU it allows and the tailos.yaml lines for it.

--routed measures the routed path instead (LAN host → subnet router or exit
node → tailnet peer) the way TCP sees it: run it on a LAN host against
"tailos mtu responder --tcp" on the peer. It reports the MSS of this host's
SYN as it reached the peer (lower than advertised when the router clamps)
and whether a bulk transfer each way completes or stalls, as it does in a
PMTU black hole; --timeout bounds each transfer.`,
		Example: `  # on the peer
  tailos mtu responder --timeout 10m
  # here
  tailos mtu probe 192.168.1.20 -v
  tailos mtu probe node-2.lan --method icmp --family 6 -o json
  # on a LAN host behind a subnet router, to a tailnet peer running "tailos mtu responder --tcp"
  tailos mtu probe 100.64.0.2 --routed`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Host = args[0]
			var err error
			if opts.Family, err = mtuFamily(family); err != nil {
				return err
			}
			opts.Method = mtu.Method(method)
			if opts.Method != mtu.MethodUDP && opts.Method != mtu.MethodICMP {
				return BadInput(fmt.Errorf("invalid --method %q: udp or icmp", method))
			}
			if opts.Port < 1 || opts.Port > 65535 {
				return BadInput(fmt.Errorf("invalid --port %d: 1–65535", opts.Port))
			}
			if opts.Timeout <= 0 || opts.MaxProbes < 2 {
				return BadInput(fmt.Errorf("--timeout must be positive and --max-probes at least 2"))
			}
			if opts.Max != 0 && (opts.Max < mtu.IPv4MinDatagram || opts.Max > mtu.MaxUnderlay) {
				return BadInput(fmt.Errorf("invalid --max %d: %d–%d", opts.Max, mtu.IPv4MinDatagram, mtu.MaxUnderlay))
			}
			if err := mtuCheckOutput(opts.Output); err != nil {
				return err
			}
			if opts.Bytes < 1 || opts.Bytes > 1<<30 {
				return BadInput(fmt.Errorf("invalid --bytes %d: 1–%d", opts.Bytes, 1<<30))
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Routed {
				return runMTUProbeRouted(cmd, f, opts)
			}
			return runMTUProbe(cmd, f, opts)
		},
	}
	cmd.Flags().IntVar(&opts.Port, "port", mtu.DefaultPort, "UDP port of the responder (udp method)")
	cmd.Flags().IntVar(&family, "family", 0, "probe over IPv4 (4) or IPv6 (6); default: what HOST resolves to, IPv4 first")
	cmd.Flags().StringVar(&method, "method", string(mtu.MethodUDP), "udp (to a responder) or icmp (echo)")
	cmd.Flags().IntVar(&opts.Max, "max", 0, "largest packet size to try (default: the local interface MTU)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", mtu.DefaultProbeTimeout, "bound on the whole probe")
	cmd.Flags().IntVar(&opts.MaxProbes, "max-probes", mtu.DefaultMaxProbes, "bound on the packets sent")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "print every probe on stderr")
	cmd.Flags().BoolVar(&opts.TailnetIPv6, "tailnet-ipv6", true, "the tailnet carries IPv6, so tailscale0 needs at least 1280")
	cmd.Flags().BoolVar(&opts.Routed, "routed", false, "measure TCP across a router to a responder started with --tcp: SYN MSS at the peer and a transfer each way")
	cmd.Flags().Int64Var(&opts.Bytes, "bytes", mtu.DefaultRoutedBytes, "bytes moved each way (--routed)")
	mtuAddOutputFlag(cmd, &opts.Output)
	return cmd
}

// mtuRoutedReport is the JSON output of `tailos mtu probe --routed`.
type mtuRoutedReport struct {
	Routed mtu.RoutedResult `json:"routed"`
}

func runMTUProbeRouted(cmd *cobra.Command, f *Factory, opts *MTUProbeOptions) error {
	progress := f.IO.Progress()
	progress.Step("moving %d bytes each way to %s", opts.Bytes, opts.Host)
	res, err := mtu.ProbeRouted(cmd.Context(), mtu.RoutedOptions{Host: opts.Host, Port: opts.Port, Bytes: opts.Bytes, Timeout: opts.Timeout})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return mtuWriteJSON(f.IO.Out, mtuRoutedReport{Routed: res})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "routed path:   %s (TCP)\n", res.Addr)
	switch {
	case res.SYNMSS == 0:
		fmt.Fprintf(&b, "SYN MSS:       unknown at the peer (its responder cannot read SYNs); %d advertised here\n", res.LocalMSS)
	case res.LocalMSS != 0 && int(res.SYNMSS) < res.LocalMSS:
		fmt.Fprintf(&b, "SYN MSS:       %d at the peer, %d advertised here: clamped on the path\n", res.SYNMSS, res.LocalMSS)
	default:
		fmt.Fprintf(&b, "SYN MSS:       %d at the peer, as advertised here: not clamped\n", res.SYNMSS)
	}
	stalled := false
	for _, tr := range []struct {
		name string
		t    mtu.Transfer
	}{{"upload", res.Upload}, {"download", res.Download}} {
		if tr.t.Complete {
			fmt.Fprintf(&b, "%-14s %d bytes in %s (%.1f Mbit/s)\n", tr.name+":", tr.t.Bytes, tr.t.Elapsed.Round(time.Millisecond), tr.t.BitsPerSecond()/1e6)
			continue
		}
		stalled = true
		fmt.Fprintf(&b, "%-14s STALLED: %d of %d bytes in %s\n", tr.name+":", tr.t.Bytes, tr.t.Want, tr.t.Elapsed.Round(time.Millisecond))
	}
	if stalled {
		b.WriteString("\nA transfer stalled after the handshake: full-size segments do not fit a link on the\n" +
			"path and the ICMP that would say so does not come back (a PMTU black hole). On a subnet\n" +
			"router or exit node, the tailos-built extension's MSS clamp (TAILOS_MSS_CLAMP=auto) fixes it.\n")
	}
	_, err = fmt.Fprint(f.IO.Out, b.String())
	return err
}

// mtuProbeReport is the JSON output of `tailos mtu probe`.
type mtuProbeReport struct {
	Probe mtu.ProbeResult `json:"probe"`
	mtuAdvice
}

func runMTUProbe(cmd *cobra.Command, f *Factory, opts *MTUProbeOptions) error {
	progress := f.IO.Progress()
	res, err := mtu.Probe(cmd.Context(), mtu.ProbeOptions{
		Host: opts.Host, Port: opts.Port, Family: opts.Family, Method: opts.Method,
		Max: opts.Max, Timeout: opts.Timeout, MaxProbes: opts.MaxProbes,
		OnStep: func(s mtu.Step) {
			if opts.Verbose {
				fmt.Fprintln(f.IO.ErrOut, s)
			} else {
				progress.Step("%s", s)
			}
		},
	})
	if err != nil {
		return err
	}
	r, err := mtu.FromUnderlay(res.PathMTU, res.Family, opts.TailnetIPv6)
	if err != nil {
		return fmt.Errorf("path MTU %d to %s: %w", res.PathMTU, res.Addr, err)
	}
	a := newMTUAdvice(r)
	if opts.Output == "json" {
		return mtuWriteJSON(f.IO.Out, mtuProbeReport{Probe: res, mtuAdvice: a})
	}
	var b strings.Builder
	via := res.Interface
	if via == "" {
		via = "?"
	}
	fmt.Fprintf(&b, "path MTU:      %d to %s (%s, %s via %s, local MTU %d; %d probes in %s)\n",
		res.PathMTU, res.Addr, res.Socket, res.Family, via, res.LocalMTU, res.Probes, res.Elapsed.Round(time.Millisecond))
	if !res.Exact {
		last := res.Steps[len(res.Steps)-1]
		fmt.Fprintf(&b, "note:          the search stopped early: the path MTU is between %d and %d; %d is used\n", last.Low, last.High-1, res.PathMTU)
	}
	if _, err := fmt.Fprint(f.IO.Out, b.String()); err != nil {
		return err
	}
	if err := a.writeText(f.IO.Out); err != nil {
		return err
	}
	if res.Family == mtu.IPv4 {
		if r6, err := mtu.FromUnderlay(res.PathMTU, mtu.IPv6, opts.TailnetIPv6); err == nil {
			_, err = fmt.Fprintf(f.IO.Out, "\nIf peers also reach each other over IPv6, its overhead applies:\n  TS_DEBUG_MTU = %s\n", r6.Arithmetic)
			return err
		}
	}
	return nil
}
