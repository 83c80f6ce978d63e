package gen

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/talosconf"
)

// VerifyError lists every node whose generated config did not prove out.
type VerifyError struct{ Problems []string }

func (e *VerifyError) Error() string {
	return "generated configuration failed verification:\n  " + strings.Join(e.Problems, "\n  ")
}

// BaseConfig is a user's machine config to verify against (--base).
type BaseConfig struct {
	File string
	Data []byte
}

// bases picks, per role, the config the patches are applied to.
type bases struct {
	user map[machine.Type]config.Provider
	gen  *talosconf.Generator
}

func newBases(p *plan.Plan, user []BaseConfig) (*bases, error) {
	b := &bases{user: map[machine.Type]config.Provider{}}
	for _, u := range user {
		cfg, err := configloader.NewFromBytes(u.Data)
		if err != nil {
			return nil, fmt.Errorf("base config %s: %w", u.File, err)
		}
		if cfg.Machine() == nil {
			return nil, fmt.Errorf("base config %s: no v1alpha1 machine section", u.File)
		}
		b.user[cfg.Machine().Type()] = cfg
	}
	if len(user) > 0 {
		return b, nil
	}
	c := p.Spec.Cluster
	version := c.TalosVersion
	if c.LegacyConfig {
		// Configs generated before 1.14 have the v1alpha1 shape.
		version = talosconf.LegacyShapeVersion(version)
	}
	g, err := talosconf.NewGenerator(talosconf.BaseOptions{
		ClusterName:       c.Name,
		Endpoint:          c.Endpoint,
		TalosVersion:      version,
		KubernetesVersion: c.KubernetesVersion,
	})
	if err != nil {
		return nil, err
	}
	b.gen = g
	return b, nil
}

func (b *bases) forRole(role machine.Type) (config.Provider, error) {
	if b.gen != nil {
		return b.gen.Base(role)
	}
	if cfg, ok := b.user[role]; ok {
		return cfg.Clone(), nil
	}
	if role == machine.TypeControlPlane {
		if cfg, ok := b.user[machine.TypeInit]; ok {
			return cfg.Clone(), nil
		}
	}
	return nil, fmt.Errorf("no --base config for role %s", role)
}

// verify applies each node's patches, exactly as written, to its base,
// validates the result with machinery in metal mode and lints it.
func verify(p *plan.Plan, files []render.File, opts Options, out *Output) error {
	b, err := newBases(p, opts.Bases)
	if err != nil {
		return err
	}
	content := map[string][]byte{}
	for _, f := range files {
		content[f.Path] = f.Data
	}
	var problems []string
	for _, n := range p.Nodes {
		name := n.Spec.Name
		patches := [][]byte{content[NodePatchPath(name)]}
		if s, ok := content[SecretPatchPath]; ok {
			patches = append(patches, s)
		}
		cfg, err := b.forRole(n.Role)
		if err == nil {
			cfg, err = talosconf.Apply(cfg, patches...)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("node %s: %v", name, err))
			continue
		}
		warnings, err := talosconf.Validate(cfg)
		if err != nil {
			problems = append(problems, fmt.Sprintf("node %s: talos validation: %s", name, oneLine(err)))
		}
		for _, w := range warnings {
			out.Warnings = append(out.Warnings, fmt.Sprintf("node %s: talos: %s", name, w))
		}
		if opts.Lint == nil {
			continue
		}
		in := LintInput{
			Mode:          p.Spec.Cluster.Mode,
			Node:          name,
			TailnetDomain: p.Spec.Tailnet.Domain,
			SchematicID:   p.SchematicID,
			Extensions:    p.Schematic.Extensions(),
		}
		for _, f := range opts.Lint(cfg, in) {
			switch f.Severity {
			case "error":
				problems = append(problems, fmt.Sprintf("node %s: %s: %s", name, f.Rule, f.Message))
			case "warning":
				out.Warnings = append(out.Warnings, fmt.Sprintf("node %s: %s: %s", name, f.Rule, f.Message))
			}
		}
	}
	if len(problems) > 0 {
		return &VerifyError{Problems: problems}
	}
	return nil
}

func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*"))
		if l != "" && !strings.HasSuffix(l, "errors occurred:") && !strings.HasSuffix(l, "error occurred:") {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
