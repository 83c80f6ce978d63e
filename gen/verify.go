package gen

import (
	"fmt"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/spec"
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

// bases picks, per role, the config the patches are applied to, and the
// shape the patches take from them.
type bases struct {
	user     map[machine.Type]config.Provider
	gen      *talosconf.Generator
	shape    ShapeSource
	warnings []string
}

// loadBases reads the user's configs, or prepares generated ones of the
// spec's shape, and settles the shape the patches are written in.
func loadBases(s *spec.Spec, user []BaseConfig) (*bases, error) {
	b := &bases{user: map[machine.Type]config.Provider{}}
	target, err := talosconf.ShapeOfVersion(s.Cluster.TalosVersion)
	if err != nil {
		return nil, err
	}
	var cfgs []config.Provider
	for _, u := range user {
		cfg, err := configloader.NewFromBytes(u.Data)
		if err != nil {
			return nil, fmt.Errorf("base config %s: %w", u.File, err)
		}
		if cfg.Machine() == nil {
			return nil, fmt.Errorf("base config %s: no v1alpha1 machine section", u.File)
		}
		b.user[cfg.Machine().Type()] = cfg
		cfgs = append(cfgs, cfg)
		b.shape.Files = append(b.shape.Files, u.File)
	}
	if len(user) > 0 {
		all := talosconf.Shape{KubeNodeConfig: true, UnattendedInstallConfig: true, SysctlConfig: true, KubeSpanConfig: true}
		if used := talosconf.ShapeOfConfigs(all, cfgs...); used.Multidoc() && !target.Multidoc() {
			return nil, fmt.Errorf("base configs %s have the Talos 1.14 documents (%s), which talosVersion %s cannot load: they were generated for Talos 1.14 or newer; set cluster.talosVersion to the version the nodes run",
				strings.Join(b.shape.Files, ", "), used, s.Cluster.TalosVersion)
		}
		b.shapeFromUser(s, target, cfgs)
		return b, nil
	}
	shape, err := s.Shape()
	if err != nil {
		return nil, err
	}
	b.shape = ShapeSource{Shape: shape, Name: shape.Name(), From: ShapeFromTalosVersion, Version: s.ShapeVersion()}
	if createdWithStated(s) {
		b.shape.From = ShapeFromCreatedWith
	}
	c := s.Cluster
	k8s := c.KubernetesVersion
	if k8s == "" {
		if k8s, err = talosconf.KubernetesVersionFor(c.TalosVersion); err != nil {
			return nil, err
		}
	}
	g, err := talosconf.NewGenerator(talosconf.BaseOptions{
		ClusterName:       c.Name,
		Endpoint:          c.Endpoint,
		TalosVersion:      talosconf.GenerationVersion(s.ShapeVersion()),
		KubernetesVersion: k8s,
	})
	if err != nil {
		return nil, err
	}
	b.gen = g
	return b, nil
}

// shapeFromUser settles the shape from the user's configs: each role's
// patches follow that role's config, so a worker added with newer tooling
// keeps its own shape.
func (b *bases) shapeFromUser(s *spec.Spec, target talosconf.Shape, cfgs []config.Provider) {
	b.shape.Shape, b.shape.From = talosconf.ShapeOfConfigs(target, cfgs...), ShapeFromBase
	b.shape.Name = b.shape.Shape.Name()
	b.shape.roleShape = map[machine.Type]talosconf.Shape{}
	for role, cfg := range b.user {
		b.shape.roleShape[role] = talosconf.ShapeOfConfigs(target, cfg)
		if role == machine.TypeInit {
			b.shape.roleShape[machine.TypeControlPlane] = b.shape.roleShape[role]
		}
	}
	for _, sh := range b.shape.roleShape {
		if sh == b.shape.Shape {
			continue
		}
		b.shape.Name = "mixed"
		b.shape.Roles = map[string]string{}
		for r, rs := range b.shape.roleShape {
			if r != machine.TypeInit {
				b.shape.Roles[r.String()] = rs.Name()
			}
		}
		break
	}
	if stated, err := s.Shape(); err == nil && createdWithStated(s) && stated.Name() != b.shape.Name {
		b.warnings = append(b.warnings, fmt.Sprintf("%s: %s means %s-shaped configs, but the --base configs are %s-shaped: the patches follow the configs",
			s.Where("cluster", "createdWith"), s.ShapeVersion(), stated.Name(), b.shape.Name))
	}
}

// createdWithStated reports whether the spec says which tooling made the
// configs (createdWith, or its older spelling legacyConfig).
func createdWithStated(s *spec.Spec) bool {
	return s.Cluster.CreatedWith != "" || s.Cluster.LegacyConfig
}

// forRole returns the role's base itself, shared by every node of the
// role: callers patch it (which copies it) and must not modify it.
func (b *bases) forRole(role machine.Type) (config.Provider, error) {
	if b.gen != nil {
		return b.gen.Shared(role)
	}
	if cfg, ok := b.user[role]; ok {
		return cfg, nil
	}
	if role == machine.TypeControlPlane {
		if cfg, ok := b.user[machine.TypeInit]; ok {
			return cfg, nil
		}
	}
	return nil, fmt.Errorf("no --base config for role %s", role)
}

// verify applies each node's patches, exactly as written (patchLoader
// decodes the documents nodes share once), to its base,
// validates the result with machinery in metal mode and lints it. Nodes
// are independent, so they are verified by one worker per core; what each
// finds is reported in node order, as a sequential run would.
func verify(p *plan.Plan, b *bases, files []render.File, patches []nodePatchFile, out *Output) error {
	var secret []byte
	for _, f := range files {
		if f.Path == SecretPatchPath {
			secret = f.Data
		}
	}
	loader, lintOpts := newPatchLoader(), lintOptions(p)
	results := make([]nodeResult, len(p.Nodes))
	forEach(len(p.Nodes), func(i int) {
		results[i] = verifyNode(p.Nodes[i], b, patches[i], secret, loader, lintOpts)
	})

	var problems []string
	for _, r := range results {
		problems = append(problems, r.problems...)
		out.Warnings = append(out.Warnings, r.warnings...)
	}
	if len(problems) > 0 {
		return &VerifyError{Problems: problems}
	}
	return nil
}

// nodeResult is what verifying one node found.
type nodeResult struct{ problems, warnings []string }

func verifyNode(n plan.Node, b *bases, file nodePatchFile, secret []byte, loader *patchLoader, lintOpts lint.Options) (r nodeResult) {
	name := n.Spec.Name
	cfg, err := applyNodePatches(n, b, file, secret, loader)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("node %s: %v", name, err))
		return r
	}
	warnings, err := talosconf.Validate(cfg)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("node %s: talos validation: %s", name, oneLine(err)))
	}
	for _, w := range warnings {
		r.warnings = append(r.warnings, fmt.Sprintf("node %s: talos: %s", name, w))
	}
	lintNode(lintOpts, name, cfg, &r)
	return r
}

// applyNodePatches applies the node's patch file, and the secret patch
// when there is one, to the node's base, as `talosctl --config-patch`
// would.
func applyNodePatches(n plan.Node, b *bases, file nodePatchFile, secret []byte, loader *patchLoader) (config.Provider, error) {
	base, err := b.forRole(n.Role)
	if err != nil {
		return nil, err
	}
	files := []nodePatchFile{file}
	if secret != nil {
		files = append(files, nodePatchFile{File: render.File{Data: secret}, Parts: []patchPart{{Data: secret, Shared: true}}})
	}
	patches := make([]configpatcher.Patch, 0, len(files))
	for i, f := range files {
		patch, err := loader.load(f.Data, f.Parts)
		if err != nil {
			return nil, fmt.Errorf("patch %d: %w", i+1, err)
		}
		patches = append(patches, patch)
	}
	return talosconf.ApplyPatches(base, patches...)
}

// lintOptions are the `tailos check` options every node is linted with,
// made once per run: nodes share them, and lint only reads them. An
// installer the imager builds with the tailos extension on top of the
// schematic's carries both.
func lintOptions(p *plan.Plan) lint.Options {
	var installers map[string][]string
	if p.Spec.TailosExtension() {
		installers = map[string][]string{p.Spec.Tailnet.Extension.Installer: append([]string{tailscaleext.TailosName}, p.Schematic.Extensions()...)}
	}
	return lint.Options{
		Mode:          rules.Mode(p.Spec.Cluster.Mode),
		TailnetDomain: p.Spec.Tailnet.Domain,
		Schematics:    map[string][]string{p.SchematicID: p.Schematic.Extensions()},
		Installers:    installers,
	}
}

// lintNode runs the catalogue over one node's verified config; nodes are
// verified concurrently, so it is called from several goroutines.
func lintNode(opts lint.Options, name string, cfg config.Provider, r *nodeResult) {
	opts.Node = name
	for _, f := range lint.CheckConfig(cfg, opts) {
		switch f.Severity {
		case rules.Error:
			r.problems = append(r.problems, fmt.Sprintf("node %s: %s: %s", name, f.Rule, f.Message))
		case rules.Warning:
			r.warnings = append(r.warnings, fmt.Sprintf("node %s: %s: %s", name, f.Rule, f.Message))
		}
	}
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
