package cli

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/siderolabs/image-factory/pkg/client"
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/schematic"
)

// SchematicCreateOptions are the flags of `tailos schematic create`.
type SchematicCreateOptions struct {
	File   string
	Store  string
	Output string
	schFactoryFlags
}

// NewCmdSchematicCreate builds `tailos schematic create`.
func NewCmdSchematicCreate(f *Factory, runF func(*SchematicCreateOptions) error) *cobra.Command {
	opts := &SchematicCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create [FILE|-] [--online]",
		Short: "Register a schematic with the factory (POST /schematics)",
		Long: `create reads a schematic, saves it in the local store and, with --online,
registers it with the factory, checking that the factory assigns the ID
computed locally. Offline (the default) it only computes the ID and saves
the schematic: the factory will assign the same ID when it is first used.`,
		Example: `  tailos schematic create schematic.yaml
  tailos schematic create --online schematic.yaml
  tailos schematic create --online --factory https://factory.example.com schematic.yaml -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicCreate(cmd, f, opts)
		},
	}
	schAddStoreFlag(cmd, &opts.Store)
	schAddOutputFlag(cmd, &opts.Output)
	opts.schFactoryFlags.register(cmd)
	return cmd
}

type schCreateResult struct {
	ID         string `json:"id"`
	Schematic  string `json:"schematic"`
	Registered bool   `json:"registered"`
	Factory    string `json:"factory,omitempty"`
}

func runSchematicCreate(cmd *cobra.Command, f *Factory, opts *SchematicCreateOptions) error {
	s, err := schLoad(cmd.Context(), f, opts.File)
	if err != nil {
		return err
	}
	if s.Owner != "" {
		return BadInput(fmt.Errorf("owner %q: a factory sets the owner from the authenticated user and factory.talos.dev rejects it; remove the field", s.Owner))
	}
	res, err := newSchIDResult(s)
	if err != nil {
		return err
	}
	out := schCreateResult{ID: res.ID, Schematic: schShow(f, res.Schematic)}
	if opts.Online && s.HasSecrets() {
		return BadInput(fmt.Errorf("the schematic holds a tailnet key: the factory would serve it to anyone who knows the ID; move the key to the machine config (ExtensionServiceConfig) and create the schematic without it"))
	}
	if opts.Online {
		c, err := opts.client()
		if err != nil {
			return err
		}
		f.IO.Progress().Step("registering schematic with %s", c.BaseURL())
		id, err := c.Create(cmd.Context(), s)
		if err != nil {
			if schematic.IsInvalid(err) {
				return BadInput(err)
			}
			return err
		}
		if id != res.ID {
			fmt.Fprintf(f.IO.ErrOut, "warning: %s assigned %s, not the locally computed %s: it encodes schematics differently; use the factory's ID\n", c.BaseURL(), id, res.ID)
			out.ID = id
		}
		out.Registered, out.Factory = true, c.BaseURL()
	} else {
		fmt.Fprintf(f.IO.ErrOut, "offline: ID computed locally, nothing sent; pass --online to register it with %s\n", opts.Factory)
	}
	path, err := schSave(f, opts.Store, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "saved %s\n", path)
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, out)
	}
	_, err = fmt.Fprintln(f.IO.Out, out.ID)
	return err
}

// SchematicGetOptions are the flags of `tailos schematic get`.
type SchematicGetOptions struct {
	ID     string
	Store  string
	Output string
	schFactoryFlags
}

// NewCmdSchematicGet builds `tailos schematic get`.
func NewCmdSchematicGet(f *Factory, runF func(*SchematicGetOptions) error) *cobra.Command {
	opts := &SchematicGetOptions{}
	cmd := &cobra.Command{
		Use:   "get ID [--online]",
		Short: "Print the schematic behind an ID (local store, or GET /schematics/ID)",
		Long: `get prints the canonical schematic stored under an ID: from the local store,
or with --online from the factory.`,
		Example: `  tailos schematic get 4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b
  tailos schematic get --online 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := imagefactory.ValidateSchematicID(opts.ID); err != nil {
				return BadInput(err)
			}
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicGet(cmd, f, opts)
		},
	}
	schAddStoreFlag(cmd, &opts.Store)
	schAddOutputFlag(cmd, &opts.Output)
	opts.schFactoryFlags.register(cmd)
	return cmd
}

func runSchematicGet(cmd *cobra.Command, f *Factory, opts *SchematicGetOptions) error {
	var raw []byte
	if opts.Online {
		c, err := opts.client()
		if err != nil {
			return err
		}
		f.IO.Progress().Step("fetching schematic from %s", c.BaseURL())
		if _, raw, err = c.Get(cmd.Context(), opts.ID); err != nil {
			return err
		}
	} else {
		st, err := schOpenStore(f, opts.Store)
		if err != nil {
			return err
		}
		s, err := st.Lookup(cmd.Context(), opts.ID)
		if errors.Is(err, schematic.ErrNotFound) {
			return fmt.Errorf("%w; offline: pass --online to ask %s", err, opts.Factory)
		}
		if err != nil {
			return err
		}
		if raw, err = s.Marshal(); err != nil {
			return err
		}
	}
	text := schShow(f, string(raw))
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, schIDResult{ID: opts.ID, Schematic: text})
	}
	_, err := io.WriteString(f.IO.Out, text)
	return err
}

// SchematicVersionsOptions are the flags of `tailos schematic versions`.
type SchematicVersionsOptions struct {
	Output string
	schFactoryFlags
}

// NewCmdSchematicVersions builds `tailos schematic versions`.
func NewCmdSchematicVersions(f *Factory, runF func(*SchematicVersionsOptions) error) *cobra.Command {
	opts := &SchematicVersionsOptions{}
	cmd := &cobra.Command{
		Use:     "versions --online",
		Short:   "List the Talos versions the factory builds (GET /versions)",
		Example: `  tailos schematic versions --online`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if !opts.Online {
				return opts.errOffline("the list of versions")
			}
			c, err := opts.client()
			if err != nil {
				return err
			}
			f.IO.Progress().Step("listing versions at %s", c.BaseURL())
			versions, err := c.Versions(cmd.Context())
			if err != nil {
				return err
			}
			if opts.Output == "json" {
				return schWriteJSON(f.IO.Out, versions)
			}
			for _, v := range versions {
				fmt.Fprintln(f.IO.Out, v)
			}
			return nil
		},
	}
	schAddOutputFlag(cmd, &opts.Output)
	opts.schFactoryFlags.register(cmd)
	return cmd
}

// SchematicExtensionsOptions are the flags of `tailos schematic extensions`.
type SchematicExtensionsOptions struct {
	TalosVersion string
	Output       string
	schFactoryFlags
}

// NewCmdSchematicExtensions builds `tailos schematic extensions`.
func NewCmdSchematicExtensions(f *Factory, runF func(*SchematicExtensionsOptions) error) *cobra.Command {
	opts := &SchematicExtensionsOptions{}
	cmd := &cobra.Command{
		Use:   "extensions [--talos VERSION] [--online]",
		Short: "List official extensions and the Tailscale version a Talos release ships",
		Long: `extensions lists the official extensions of a Talos release and the Tailscale
version its siderolabs/tailscale extension carries, from the factory
(--online, GET /version/VERSION/extensions/official). Offline it prints the
Tailscale version each Talos minor line shipped at its first release.`,
		Example: `  tailos schematic extensions
  tailos schematic extensions --talos v1.13.9
  tailos schematic extensions --online --talos v1.14.1 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := schCheckOutput(opts.Output); err != nil {
				return err
			}
			if opts.TalosVersion != "" {
				if _, err := schematic.ParseTalosVersion(opts.TalosVersion); err != nil {
					return BadInput(err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runSchematicExtensions(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.TalosVersion, "talos", "", "Talos version, e.g. v1.14.1")
	schAddOutputFlag(cmd, &opts.Output)
	opts.schFactoryFlags.register(cmd)
	return cmd
}

type schExtensionsResult struct {
	TalosVersion string                 `json:"talosVersion"`
	Tailscale    string                 `json:"tailscale,omitempty"`
	Extensions   []client.ExtensionInfo `json:"extensions"`
}

func runSchematicExtensions(cmd *cobra.Command, f *Factory, opts *SchematicExtensionsOptions) error {
	if !opts.Online {
		return schematicExtensionsOffline(f, opts)
	}
	if opts.TalosVersion == "" {
		return BadInput(fmt.Errorf("--talos is required with --online"))
	}
	c, err := opts.client()
	if err != nil {
		return err
	}
	f.IO.Progress().Step("listing extensions at %s", c.BaseURL())
	ext, err := c.Extensions(cmd.Context(), opts.TalosVersion)
	if err != nil {
		return err
	}
	sv, _ := schematic.ParseTalosVersion(opts.TalosVersion)
	ts, _ := schematic.TailscaleVersion(ext)
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, schExtensionsResult{TalosVersion: "v" + sv.String(), Tailscale: ts, Extensions: ext})
	}
	if ts != "" {
		fmt.Fprintf(f.IO.Out, "Talos v%s ships %s %s\n\n", sv, tailscaleext.Name, ts)
	} else {
		fmt.Fprintf(f.IO.Out, "Talos v%s has no %s extension at %s\n\n", sv, tailscaleext.Name, c.BaseURL())
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREF")
	for _, e := range ext {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Ref)
	}
	return tw.Flush()
}

func schematicExtensionsOffline(f *Factory, opts *SchematicExtensionsOptions) error {
	releases := schematic.KnownReleases()
	if opts.TalosVersion != "" {
		r, err := schematic.KnownRelease(opts.TalosVersion)
		if err != nil {
			return BadInput(err)
		}
		releases = []schematic.Release{r}
	}
	fmt.Fprintf(f.IO.ErrOut, "offline: Tailscale at the first release of each Talos line; patch releases may ship newer builds. Pass --online --talos VERSION to ask %s\n", opts.Factory)
	if opts.Output == "json" {
		return schWriteJSON(f.IO.Out, releases)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TALOS\tTAILSCALE")
	for _, r := range releases {
		fmt.Fprintf(tw, "%s\t%s\n", r.Talos, r.Tailscale)
	}
	return tw.Flush()
}
