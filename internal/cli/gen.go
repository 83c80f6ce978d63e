package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/gen"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/rollout"
	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosapi"
)

// GenOptions are the flags of `tailos gen`.
type GenOptions struct {
	SpecFile      string
	OutDir        string
	JSON          bool
	InlineSecrets bool
	Force         bool
	BaseFiles     []string
	StoreDir      string
	// FromCluster reads the bases from the live nodes (talosctl's flags).
	FromCluster bool
	Talosconfig string
	Context     string
	Endpoints   []string
	Nodes       []string
}

// NewCmdGen builds `tailos gen`.
func NewCmdGen(f *Factory, runF func(*GenOptions) error) *cobra.Command {
	opts := &GenOptions{}
	cmd := &cobra.Command{
		Use:   "gen -f SPEC -o DIR",
		Short: "Render and verify a complete Tailscale-on-Talos setup from a spec",
		Long: `gen reads a tailos.yaml spec and writes, for every node, a Talos patch for
talosctl --config-patch (and talhelper, for v1alpha1-shaped output); the Image
Factory schematic and its installer; the tailnet policy; the hybrid operator
manifests when enabled; and NEXT-STEPS.md with the exact commands.

The patches take the shape of the cluster's configs: read from --base (the
cluster's controlplane.yaml and worker.yaml), else from cluster.createdWith
(the Talos version that generated them), else a new cluster's (talosVersion).
--from-cluster reads them from the live nodes instead, through the Talos API
(talosctl's --talosconfig, --context, -e; -n picks the spec nodes to read,
default the first control plane and the first worker); the configs stay in
memory and are never written.
Each node's patch is first applied to --base or a machinery-generated config
of that shape, validated in metal mode and linted; if any node fails,
nothing is written.`,
		Example: `  tailos gen -f examples/homelab.yaml -o out/
  tailos gen -f tailos.yaml -o out/ --base controlplane.yaml --base worker.yaml
  tailos gen -f tailos.yaml -o out/ --from-cluster --talosconfig ./talosconfig
  TS_AUTHKEY=tskey-auth-... tailos gen -f tailos.yaml -o out/ --inline-secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runGen(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.SpecFile, "file", "f", "tailos.yaml", "the spec to generate from")
	cmd.Flags().StringVarP(&opts.OutDir, "output", "o", "out", "directory to write into")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print an index of what was written as JSON")
	cmd.Flags().BoolVar(&opts.InlineSecrets, "inline-secrets", false, "resolve the auth reference into a separate 0600 patch")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite output files changed since tailos wrote them")
	cmd.Flags().StringArrayVar(&opts.BaseFiles, "base", nil, "the cluster's own machine config: patches take its shape and are verified against it (once per role)")
	cmd.Flags().BoolVar(&opts.FromCluster, "from-cluster", false, "read the cluster's configs from the live nodes through the Talos API, as --base")
	addTalosFlags(cmd, &opts.Talosconfig, &opts.Context, &opts.Endpoints, &opts.Nodes)
	schAddStoreFlag(cmd, &opts.StoreDir)
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	_ = cmd.MarkFlagDirname("output")
	_ = cmd.MarkFlagFilename("base", "yaml", "yml")
	return cmd
}

func runGen(ctx context.Context, f *Factory, opts *GenOptions) error {
	s, err := spec.Load(opts.SpecFile)
	if err != nil {
		return BadInput(err)
	}
	if opts.FromCluster && len(opts.BaseFiles) > 0 {
		return BadInput(errors.New("gen: --from-cluster and --base both give the cluster's configs: pick one"))
	}
	if !opts.FromCluster && (opts.Talosconfig != "" || opts.Context != "" || len(opts.Endpoints) > 0 || len(opts.Nodes) > 0) {
		return BadInput(errors.New("gen: --talosconfig, --context, -e and -n only go with --from-cluster"))
	}
	var bases []gen.BaseConfig
	for _, b := range opts.BaseFiles {
		data, err := userfile.Read(b, userfile.ConfigLimit)
		if err != nil {
			return BadInput(err)
		}
		bases = append(bases, gen.BaseConfig{File: b, Data: data})
	}
	if opts.FromCluster {
		live, err := liveBases(ctx, f, opts, s)
		if err != nil {
			return err
		}
		bases = append(bases, live...)
	}
	out, err := gen.Generate(s, gen.Options{
		InlineSecrets: opts.InlineSecrets,
		LookupEnv:     f.LookupEnv,
		Bases:         bases,
		OutDir:        opts.OutDir,
	})
	var verr *gen.VerifyError
	switch {
	case errors.As(err, &verr):
		return &ExitError{Code: ExitFindings, Err: err}
	case err != nil:
		return BadInput(err)
	}
	res, err := render.Write(opts.OutDir, out.Files, render.Options{Force: opts.Force})
	if err != nil {
		return BadInput(err)
	}
	if res.Recovered != "" {
		fmt.Fprintf(f.IO.ErrOut, "note: %s: %s\n", opts.OutDir, res.Recovered)
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", secret.Mask(w))
	}
	// Keep the schematic so `tailos schematic verify` can check installer
	// images offline; failing to is worth a warning, not a failed run.
	storePath, err := schSave(f, opts.StoreDir, out.Plan.Schematic)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: schematic not stored: %v\n", err)
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out.Index)
	}
	p := out.Plan
	fmt.Fprintf(f.IO.Out, "schematic %s\ninstaller %s\n", p.SchematicID, out.Index.Schematic.Installer)
	fmt.Fprintf(f.IO.Out, "verified %d node(s) against Talos %s (metal mode)\n", len(p.Nodes), s.Cluster.TalosVersion)
	fmt.Fprintf(f.IO.Out, "config shape %s, from %s\n", out.Shape, shapeOrigin(out.Shape))
	fmt.Fprintf(f.IO.Out, "wrote %d file(s), %d unchanged, in %s\n", len(res.Written), len(res.Unchanged), opts.OutDir)
	for _, r := range res.Removed {
		fmt.Fprintf(f.IO.Out, "removed %s (no longer generated)\n", filepath.Join(opts.OutDir, r))
	}
	if storePath != "" {
		fmt.Fprintf(f.IO.Out, "stored schematic %s for tailos schematic verify\n", storePath)
	}
	fmt.Fprintf(f.IO.Out, "next: %s/%s\n", opts.OutDir, gen.NextStepsPath)
	return nil
}

// shapeOrigin says in a few words where the patches' shape came from.
func shapeOrigin(src gen.ShapeSource) string {
	switch src.From {
	case gen.ShapeFromBase:
		return "--base " + strings.Join(src.Files, ", ")
	case gen.ShapeFromCreatedWith:
		return "cluster.createdWith " + src.Version
	}
	return "talosVersion " + src.Version + " (a new cluster; set cluster.createdWith for an older one)"
}

// liveBases reads one config per role from the live cluster.
func liveBases(ctx context.Context, f *Factory, opts *GenOptions, s *spec.Spec) ([]gen.BaseConfig, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	resolved, err := talosapi.Resolve(talosapi.Options{Talosconfig: opts.Talosconfig, Context: opts.Context, Endpoints: opts.Endpoints, LookupEnv: f.LookupEnv})
	if err != nil {
		return nil, BadInput(fmt.Errorf("gen --from-cluster: %w", err))
	}
	c, err := talosapi.Connect(ctx, resolved)
	if err != nil {
		return nil, BadInput(fmt.Errorf("gen --from-cluster: %s", secret.Mask(err.Error())))
	}
	defer c.Close()
	live, err := rollout.LiveBases(ctx, c, s, opts.Nodes)
	if err != nil {
		return nil, BadInput(fmt.Errorf("gen --from-cluster: %s", secret.Mask(err.Error())))
	}
	out := make([]gen.BaseConfig, len(live))
	for i, l := range live {
		out[i] = gen.BaseConfig{File: l.Name, Data: l.Data}
	}
	return out, nil
}
