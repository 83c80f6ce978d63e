package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/tailnet"
	"github.com/tailos/tailos/talosapi"
)

// DoctorOptions are the flags of `tailos doctor`.
type DoctorOptions struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)

	Talosconfig string
	Context     string
	Endpoints   []string
	Nodes       []string
	SpecFile    string
	Output      string
	Mode        string
	Concurrency int
	Timeout     time.Duration

	TailnetFlags
	KeyExpiryDays int

	CleanupDuplicates bool
	Yes               bool
}

// NewCmdDoctor builds `tailos doctor`.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "doctor [-n NODE...] [-e ENDPOINT...] [flags]",
		Short: "Diagnose Tailscale on live Talos nodes through the Talos API and the tailnet's API",
		Long: `Check Tailscale on running Talos nodes: the extension and the schematic that
keeps it across upgrades, ext-tailscale's state and the cause of a crash loop
(read from its log), tailscale0 and its MTU, which addresses kubelet and etcd
chose, the resolvers, KubeSpan, and the live config against the check
catalogue. With --tailnet it also checks each node's device: duplicates,
online, key expiry, tags, and routes or exit node advertised but not approved.

The talosconfig is found as talosctl finds it (--talosconfig, $TALOSCONFIG,
~/.talos/config); -n nodes are reached through the endpoints' apid, as
talosctl -n a,b,c does. Reader-role talosconfigs work: checks that need
os:admin say unknown and why.

Tailnet credentials are read from the environment or a file, never from the
command line: --tailnet-key env:NAME or file:PATH (default env:TS_API_KEY for
Tailscale, env:HEADSCALE_CLI_API_KEY for Headscale).

Exit status: 0 no failed check, 1 a check failed, 2 bad input or no node
could be checked.`,
		Example: `  tailos doctor -n 192.168.1.11
  tailos doctor -n 192.168.1.11,192.168.1.12 -f tailos.yaml -o json
  TS_API_KEY=... tailos doctor --tailnet tailscale -n cp-1
  tailos doctor --tailnet headscale --tailnet-url https://hs.example.com --tailnet-key file:hs.key --cleanup-duplicates`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Talosconfig, "talosconfig", "", "the path to the Talos configuration file (default $TALOSCONFIG or ~/.talos/config)")
	fl.StringVar(&opts.Context, "context", "", "context to be used in command")
	fl.StringSliceVarP(&opts.Endpoints, "endpoints", "e", nil, "override default endpoints in Talos configuration")
	fl.StringSliceVarP(&opts.Nodes, "nodes", "n", nil, "target the specified nodes")
	fl.StringVarP(&opts.SpecFile, "file", "f", "", "tailos spec `FILE` the nodes should match (mode, MTU, tags, routes)")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	fl.StringVar(&opts.Mode, "mode", "", "deployment mode: management or cluster-network (default: the spec's, else inferred from each node's config)")
	fl.IntVar(&opts.Concurrency, "concurrency", talosapi.DefaultConcurrency, "nodes checked at once")
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "time limit per node")
	addTailnetFlags(cmd, &opts.TailnetFlags, "also check the tailnet's devices")
	fl.IntVar(&opts.KeyExpiryDays, "key-expiry-days", 14, "warn when a node key expires within this many days")
	fl.BoolVar(&opts.CleanupDuplicates, "cleanup-duplicates", false, "list the stale duplicate devices of these nodes, and delete them with --yes")
	fl.BoolVar(&opts.Yes, "yes", false, "with --cleanup-duplicates: delete without asking")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !slices.Contains([]string{"text", "json"}, opts.Output) {
		return BadInput(fmt.Errorf("doctor: --output %q: want text or json", opts.Output))
	}
	if opts.CleanupDuplicates && opts.Tailnet == "" {
		return BadInput(errors.New("doctor --cleanup-duplicates: needs --tailnet (tailscale or headscale) and its credentials"))
	}
	if opts.Yes && !opts.CleanupDuplicates {
		return BadInput(errors.New("doctor --yes: only with --cleanup-duplicates"))
	}
	var mode rules.Mode
	if opts.Mode != "" {
		m, err := rules.ParseMode(opts.Mode)
		if err != nil {
			return BadInput(fmt.Errorf("doctor --mode: %w", err))
		}
		mode = m
	}
	expect, err := doctorExpect(opts, mode)
	if err != nil {
		return BadInput(err)
	}
	api, credErr, err := opts.api("doctor", opts.LookupEnv)
	if err != nil {
		return BadInput(err)
	}
	if credErr != nil && opts.CleanupDuplicates {
		return BadInput(credErr)
	}
	resolved, err := talosapi.Resolve(talosapi.Options{
		Talosconfig: opts.Talosconfig, Context: opts.Context, Endpoints: opts.Endpoints, Nodes: opts.Nodes, LookupEnv: opts.LookupEnv,
	})
	if err != nil {
		return BadInput(fmt.Errorf("doctor: %w", err))
	}
	c, err := talosapi.Connect(ctx, resolved)
	if err != nil {
		return BadInput(fmt.Errorf("doctor: %s", rules.Mask(err.Error())))
	}
	defer c.Close()

	progress := opts.IO.Progress()
	progress.Step("checking %d node(s) through %v", max(len(resolved.Nodes), 1), resolved.Endpoints)
	nodes := resolved.Nodes
	if len(nodes) == 0 {
		nodes = []string{""} // the endpoint itself
	}
	rep, results := doctor.Run(ctx, c, nodes, doctor.Options{
		Concurrency: opts.Concurrency,
		NodeTimeout: opts.Timeout,
		Expect:      expect,
		Tailnet:     api,
		TailnetErr:  credErr,
		Progress: func(node string, finished, total int) {
			progress.Step("%d/%d %s", finished, total, node)
		},
	})
	switch opts.Output {
	case "json":
		err = doctor.WriteJSON(opts.IO.Out, rep)
	default:
		err = doctor.WriteText(opts.IO.Out, rep, opts.IO.ColorEnabled())
	}
	if err != nil {
		return fmt.Errorf("doctor: writing report: %w", err)
	}
	for _, n := range rep.Nodes {
		if n.Error != "" && opts.Output == "json" { // text output shows it already
			fmt.Fprintf(opts.IO.ErrOut, "doctor: %s: %s\n", n.Node, n.Error)
		}
	}
	if !rep.Reachable() {
		return &ExitError{Code: ExitBadInput, Err: errors.New("doctor: no node could be checked")}
	}
	if opts.CleanupDuplicates {
		if err := doctorCleanup(ctx, opts, api, results); err != nil {
			return err
		}
	}
	if rep.Summary.Fail > 0 {
		return Findings()
	}
	return nil
}

// doctorCleanup lists the stale duplicates and, with --yes, deletes them.
func doctorCleanup(ctx context.Context, opts *DoctorOptions, api tailnet.API, results []doctor.Result) error {
	var stale int
	for _, r := range results {
		for _, d := range r.Stale {
			stale++
			fmt.Fprintf(opts.IO.ErrOut, "stale duplicate of %s: %s (id %s, %s, last seen %s)\n", r.Node, d.Name, d.ID, d.NodeKey, lastSeen(d))
		}
	}
	if stale == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no stale duplicates to delete")
		return nil
	}
	if !opts.Yes {
		fmt.Fprintf(opts.IO.ErrOut, "dry run: %d device(s) would be deleted; run again with --yes to delete them\n", stale)
		return nil
	}
	deleted, err := doctor.Cleanup(ctx, api, results)
	for _, d := range deleted {
		fmt.Fprintf(opts.IO.ErrOut, "deleted %s (id %s)\n", d.Name, d.ID)
	}
	if err != nil {
		return fmt.Errorf("doctor --cleanup-duplicates: %s", rules.Mask(err.Error()))
	}
	return nil
}

func lastSeen(d tailnet.Device) string {
	if d.LastSeen.IsZero() {
		return "never"
	}
	return d.LastSeen.UTC().Format(time.RFC3339)
}

func doctorExpect(opts *DoctorOptions, mode rules.Mode) (func(node, hostname string) doctor.Expect, error) {
	window := time.Duration(opts.KeyExpiryDays) * 24 * time.Hour
	if opts.KeyExpiryDays < 0 {
		return nil, fmt.Errorf("doctor --key-expiry-days: %d is negative", opts.KeyExpiryDays)
	}
	base := func(string, string) doctor.Expect { return doctor.Expect{} }
	if opts.SpecFile != "" {
		s, err := spec.Load(opts.SpecFile)
		if err != nil {
			return nil, err
		}
		p, err := plan.Build(s, plan.Options{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.SpecFile, err)
		}
		base = doctor.ExpectFromPlan(p)
	}
	return func(node, hostname string) doctor.Expect {
		e := base(node, hostname)
		if mode != "" {
			e.Mode = mode
		}
		e.KeyExpiryWarn = window
		return e
	}, nil
}
