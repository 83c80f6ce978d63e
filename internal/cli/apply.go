package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/rollout"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosapi"
)

// ApplyOptions are tailos apply's flags.
type ApplyOptions struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)

	SpecFile    string
	Talosconfig string
	Context     string
	Endpoints   []string
	Nodes       []string
	DryRun      bool
	Mode        string
	Output      string
	Patches     []string
	Timeout     time.Duration

	TailnetFlags
}

// NewCmdApply is `tailos apply`.
func NewCmdApply(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: f.IO, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "apply -f SPEC [-n NODE...] [flags]",
		Short: "Apply the spec's Tailscale setup to live Talos nodes, one node at a time, verified by doctor",
		Long: `Apply the spec to running Talos nodes through the Talos API. For each node
(the spec's nodes, or those given with -n, by name or address) tailos reads
the live machine config, builds the node's patch in the shape of that config
(v1alpha1 fields for configs made by Talos ≤ 1.13 tooling, the 1.14
documents where the config uses them), resolves the credential from the
spec's env: or file: reference (it is sent to the node only, never printed),
shows machinery's config diff with secrets redacted, and applies it with
ApplyConfiguration in no-reboot mode. It then waits until doctor says
ext-tailscale runs and the node is on the tailnet before the next node, and
stops at the first failure, leaving that node as Talos left it.

A node whose config already matches is not touched: a second run changes
nothing and says so. The tailscale ExtensionServiceConfig is tailos's: it is
replaced as a whole.

The talosconfig is found as talosctl finds it (--talosconfig, $TALOSCONFIG,
~/.talos/config); nodes are reached through the endpoints' apid.

Exit status: 0 applied (or nothing to do), 1 a node refused the config or did
not become healthy, 2 bad input (nothing was applied).`,
		Example: `  TS_AUTHKEY=tskey-auth-... tailos apply -f tailos.yaml --dry-run
  tailos apply -f tailos.yaml -n cp-1
  tailos apply -f tailos.yaml --tailnet headscale --tailnet-url https://hs.example.com --tailnet-key file:hs.key -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.SpecFile, "file", "f", "", "tailos spec `FILE` (required)")
	addTalosFlags(cmd, &opts.Talosconfig, &opts.Context, &opts.Endpoints, &opts.Nodes)
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show the diffs and have each node validate its new config, without applying it")
	fl.StringVarP(&opts.Mode, "mode", "m", "no-reboot", "apply mode, as talosctl apply-config names it: no-reboot, auto, reboot or staged")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	fl.StringArrayVarP(&opts.Patches, "config-patch", "p", nil, "more patches after the node's own, as talosctl --config-patch takes them (@file)")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for each node to be on the tailnet")
	addTailnetFlags(cmd, &opts.TailnetFlags, "also wait for the node's device in the tailnet's API")
	return cmd
}

// addTalosFlags are talosctl's connection flags, named as talosctl names them.
func addTalosFlags(cmd *cobra.Command, talosconfig, context *string, endpoints, nodes *[]string) {
	fl := cmd.Flags()
	fl.StringVar(talosconfig, "talosconfig", "", "the path to the Talos configuration file (default $TALOSCONFIG or ~/.talos/config)")
	fl.StringVar(context, "context", "", "context to be used in command")
	fl.StringSliceVarP(endpoints, "endpoints", "e", nil, "override default endpoints in Talos configuration")
	fl.StringSliceVarP(nodes, "nodes", "n", nil, "target the specified nodes")
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !slices.Contains([]string{"text", "json"}, opts.Output) {
		return BadInput(fmt.Errorf("apply: --output %q: want text or json", opts.Output))
	}
	if opts.SpecFile == "" {
		return BadInput(errors.New("apply: -f SPEC is required"))
	}
	if _, err := rollout.ParseMode(opts.Mode); err != nil {
		return BadInput(fmt.Errorf("apply --mode: %w", err))
	}
	s, err := spec.Load(opts.SpecFile)
	if err != nil {
		return BadInput(err)
	}
	// What can be refused without a node is refused first: nothing is
	// applied anywhere when the credential or a node name is wrong.
	if _, err := rollout.Targets(s, opts.Nodes); err != nil {
		return BadInput(fmt.Errorf("apply: %w", err))
	}
	ref, _ := s.AuthRef()
	if _, err := ref.Resolve(opts.LookupEnv); err != nil {
		return BadInput(fmt.Errorf("apply: %s: tailnet.auth (%s): %w", s.File(), ref, err))
	}
	patches, err := readPatches(opts.Patches)
	if err != nil {
		return BadInput(err)
	}
	api, credErr, err := opts.api("apply", opts.LookupEnv)
	if err == nil {
		err = credErr
	}
	if err != nil {
		return BadInput(err)
	}
	resolved, err := talosapi.Resolve(talosapi.Options{Talosconfig: opts.Talosconfig, Context: opts.Context, Endpoints: opts.Endpoints, LookupEnv: opts.LookupEnv})
	if err != nil {
		return BadInput(fmt.Errorf("apply: %w", err))
	}
	c, err := talosapi.Connect(ctx, resolved)
	if err != nil {
		return BadInput(fmt.Errorf("apply: %s", rules.Mask(err.Error())))
	}
	defer c.Close()
	progress := opts.IO.Progress()
	req := rollout.Request{
		Spec: s, Client: c, Nodes: opts.Nodes, LookupEnv: opts.LookupEnv, ExtraPatches: patches,
		DryRun: opts.DryRun, Mode: opts.Mode, Tailnet: api, WaitTimeout: opts.Timeout,
		Progress: func(format string, args ...any) { progress.Step(format, args...) },
	}
	if opts.Output == "text" {
		req.OnDiff = func(node, diff string) { fmt.Fprintf(opts.IO.Out, "node %s: changes\n%s\n", node, diff) }
	}
	res, err := rollout.Apply(ctx, req)
	if res == nil {
		return BadInput(fmt.Errorf("apply: %s", rules.Mask(err.Error())))
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(res); werr != nil {
			return werr
		}
	} else {
		writeApplyText(opts, res)
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "apply: %s\n", rules.Mask(err.Error()))
		return Findings()
	}
	return nil
}

func writeApplyText(opts *ApplyOptions, res *rollout.Result) {
	for _, n := range res.Nodes {
		switch {
		case n.Error != "":
			fmt.Fprintf(opts.IO.Out, "node %s (%s): FAILED: %s\n", n.Node, n.Address, n.Error)
		case !n.Changed:
			fmt.Fprintf(opts.IO.Out, "node %s (%s): up to date (%s shape), nothing to apply\n", n.Node, n.Address, n.Shape)
		case res.DryRun:
			fmt.Fprintf(opts.IO.Out, "node %s (%s): would apply (%s shape); the node validated it\n", n.Node, n.Address, n.Shape)
		case n.Mode == "staged":
			fmt.Fprintf(opts.IO.Out, "node %s (%s): staged (%s shape); it runs from the node's next reboot\n", n.Node, n.Address, n.Shape)
		default:
			fmt.Fprintf(opts.IO.Out, "node %s (%s): applied (%s shape, mode %s) and on the tailnet\n", n.Node, n.Address, n.Shape, n.Mode)
		}
		if n.ModeDetails != "" && n.Error == "" {
			fmt.Fprintf(opts.IO.Out, "  %s\n", strings.TrimSpace(n.ModeDetails))
		}
	}
	switch {
	case res.DryRun:
		fmt.Fprintf(opts.IO.Out, "dry run: %d node(s) would change\n", res.Changed)
	case res.Changed == 0 && len(res.Nodes) > 0 && res.Nodes[len(res.Nodes)-1].Error == "":
		fmt.Fprintln(opts.IO.Out, "nothing to do: every node already runs this spec")
	}
}

// readPatches reads --config-patch values: @file, or the patch itself.
func readPatches(in []string) ([][]byte, error) {
	var out [][]byte
	for _, p := range in {
		if strings.HasPrefix(p, "@") {
			b, err := os.ReadFile(p[1:])
			if err != nil {
				return nil, fmt.Errorf("--config-patch: %w", err)
			}
			out = append(out, b)
			continue
		}
		out = append(out, []byte(p))
	}
	return out, nil
}
