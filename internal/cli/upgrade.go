package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/rollout"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosapi"
)

// UpgradeOptions are tailos upgrade's flags.
type UpgradeOptions struct {
	IO        *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
	// Store opens the local schematic store (--store).
	Store func(dir string) (schematic.Store, error)

	SpecFile    string
	Talosconfig string
	Context     string
	Endpoints   []string
	Nodes       []string
	To          string
	Image       string
	Factory     string
	StoreDir    string
	Online      bool
	DryRun      bool
	Output      string
	Timeout     time.Duration
}

// NewCmdUpgrade is `tailos upgrade`.
func NewCmdUpgrade(f *Factory, runF func(*UpgradeOptions) error) *cobra.Command {
	opts := &UpgradeOptions{IO: f.IO, LookupEnv: f.LookupEnv, Store: func(dir string) (schematic.Store, error) { return schOpenStore(f, dir) }}
	cmd := &cobra.Command{
		Use:   "upgrade --to vX.Y.Z [-f SPEC] [-n NODE...] [flags]",
		Short: "Upgrade Talos with each node's own factory installer, so Tailscale is never dropped",
		Long: `Upgrade Talos on live nodes, one node at a time, with the Image Factory
installer of the node's schematic: the spec's (-f), else the one the node runs
(its ImageFactorySchematic resource). Every installer is checked first, with
the same verification as tailos schematic verify: one that would drop
siderolabs/tailscale (the vanilla installer, the empty schematic, a schematic
without the extension, or one that cannot be checked) is refused, and no node
is upgraded. After each node's upgrade tailos waits until it runs the new
version, its running schematic carries the extension, and it is back on the
tailnet with the same identity, before the next.

--dry-run prints the plan: the installer chosen for each node and why.

Exit status: 0 upgraded (or planned), 1 an upgrade or its verification
failed, 2 bad input or a refused installer (nothing was upgraded).`,
		Example: `  tailos upgrade --to v1.14.2 -f tailos.yaml --dry-run
  tailos upgrade --to v1.14.2 -n 192.168.1.11 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return upgradeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.SpecFile, "file", "f", "", "tailos spec `FILE` naming the nodes and their schematic")
	addTalosFlags(cmd, &opts.Talosconfig, &opts.Context, &opts.Endpoints, &opts.Nodes)
	fl.StringVar(&opts.To, "to", "", "Talos version to upgrade to, e.g. v1.14.2 (required)")
	fl.StringVarP(&opts.Image, "image", "i", "", "installer image instead of the node's own (checked, and refused if it drops Tailscale)")
	fl.StringVar(&opts.Factory, "factory", "", "Image Factory URL for nodes without a spec (default: where the node's schematic came from)")
	schAddStoreFlag(cmd, &opts.StoreDir)
	fl.BoolVar(&opts.Online, "online", false, "also ask the factory for schematics not known locally (GET /schematics/ID)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan without upgrading")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	fl.DurationVar(&opts.Timeout, "timeout", 15*time.Minute, "how long to wait for each node to come back")
	return cmd
}

func upgradeRun(ctx context.Context, opts *UpgradeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !slices.Contains([]string{"text", "json"}, opts.Output) {
		return BadInput(fmt.Errorf("upgrade: --output %q: want text or json", opts.Output))
	}
	if opts.To == "" {
		return BadInput(errors.New("upgrade: --to vX.Y.Z is required"))
	}
	if _, err := schematic.ParseTalosVersion(opts.To); err != nil {
		return BadInput(fmt.Errorf("upgrade --to %q: %w", opts.To, err))
	}
	var s *spec.Spec
	if opts.SpecFile != "" {
		var err error
		if s, err = spec.Load(opts.SpecFile); err != nil {
			return BadInput(err)
		}
	}
	st, err := opts.Store(opts.StoreDir)
	if err != nil {
		return err
	}
	resolvers := []schematic.Resolver{st}
	if opts.Online {
		factory := opts.Factory
		if factory == "" {
			factory = imagefactory.DefaultURL
		}
		fc, err := schematic.NewClient(factory, schematic.DefaultTimeout)
		if err != nil {
			return BadInput(fmt.Errorf("upgrade --factory: %w", err))
		}
		resolvers = append(resolvers, fc)
	}
	resolved, err := talosapi.Resolve(talosapi.Options{Talosconfig: opts.Talosconfig, Context: opts.Context, Endpoints: opts.Endpoints, Nodes: opts.Nodes, LookupEnv: opts.LookupEnv})
	if err != nil {
		return BadInput(fmt.Errorf("upgrade: %w", err))
	}
	nodes := opts.Nodes
	if s == nil {
		nodes = resolved.Nodes // without a spec, the context's nodes as talosctl would use them
	}
	c, err := talosapi.Connect(ctx, resolved)
	if err != nil {
		return BadInput(fmt.Errorf("upgrade: %s", rules.Mask(err.Error())))
	}
	defer c.Close()
	progress := opts.IO.Progress()
	res, err := rollout.Upgrade(ctx, rollout.UpgradeRequest{
		Spec: s, Client: c, Nodes: nodes, To: opts.To, Image: opts.Image, Factory: opts.Factory,
		Resolvers: resolvers, DryRun: opts.DryRun, WaitTimeout: opts.Timeout,
		Progress: func(format string, args ...any) { progress.Step(format, args...) },
	})
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(res); werr != nil {
			return werr
		}
	} else {
		for _, step := range res.Steps {
			fmt.Fprintf(opts.IO.Out, "node %s (%s): %s → %s with %s (schematic from the %s)\n", step.Node, step.Address, step.From, step.To, step.Installer, step.Source)
		}
		switch {
		case err != nil:
		case res.DryRun:
			fmt.Fprintf(opts.IO.Out, "dry run: %d node(s) planned, every installer carries %s\n", len(res.Steps), tailscaleext.Name)
		default:
			fmt.Fprintf(opts.IO.Out, "%d node(s) upgraded and verified\n", res.Upgraded)
		}
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "upgrade: %s\n", rules.Mask(err.Error()))
		if errors.Is(err, rollout.ErrUnsafeInstaller) {
			return &ExitError{Code: ExitBadInput} // refused before any node was touched
		}
		return Findings()
	}
	return nil
}
