// Package gen is tailos's main job: from a spec, build the plan, render
// every file, and prove the result before anything is written — each node's
// patches are applied to a real machinery-generated (or the user's own) base
// config, validated as `talosctl validate --mode metal` would, and linted.
package gen

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/plan"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// Options tune generation.
type Options struct {
	// InlineSecrets resolves the auth reference and writes it into a
	// separate 0600 patch instead of leaving a placeholder.
	InlineSecrets bool
	LookupEnv     func(string) (string, bool)
	// Bases are the user's own machine configs (--base), one per role; none
	// means machinery-generated bases for the spec's cluster.
	Bases []BaseConfig
	// OutDir is only used to make the index's paths (relative to the
	// working directory, as the user gave it).
	OutDir string
}

// Output is what a run produced, ready for render.Write.
type Output struct {
	Plan     *plan.Plan
	Files    []render.File
	Index    Index
	Warnings []string
	// Shape is the shape the patches were written in, and why.
	Shape ShapeSource
}

// Shape sources: where the patches' shape was read from.
const (
	ShapeFromBase         = "base"         // the cluster's own configs (--base)
	ShapeFromCreatedWith  = "createdWith"  // the spec's cluster.createdWith (or legacyConfig)
	ShapeFromTalosVersion = "talosVersion" // a new cluster: the target version
)

// ShapeSource is the shape of the patches and where it came from.
type ShapeSource struct {
	Shape talosconf.Shape `json:"-"`
	Name  string          `json:"name"` // v1.14 or v1alpha1
	From  string          `json:"from"`
	// Version is the Talos version whose configs have this shape (for
	// createdWith and talosVersion), Files the --base configs.
	Version string   `json:"version,omitempty"`
	Files   []string `json:"files,omitempty"`
	// Roles are the shapes per role when the --base configs differ
	// (controlplane: v1alpha1, worker: v1.14); Shape is then what both
	// share, and Name "mixed".
	Roles     map[string]string                `json:"roles,omitempty"`
	roleShape map[machine.Type]talosconf.Shape `json:"-"`
}

// Index is the machine-readable summary `gen --json` prints.
type Index struct {
	Schematic IndexSchematic `json:"schematic"`
	Shape     ShapeSource    `json:"shape"`
	Nodes     []IndexNode    `json:"nodes"`
	Files     []string       `json:"files"`
}

// IndexSchematic names the schematic and the installer image.
type IndexSchematic struct {
	ID        string `json:"id"`
	Installer string `json:"installer"`
}

// IndexNode lists a node's patches, in the order to apply them.
type IndexNode struct {
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Patches []string `json:"patches"`
}

// Generate plans, renders and verifies. It returns an error, and no files,
// if any node's result does not validate or lints with errors.
func Generate(s *spec.Spec, opts Options) (*Output, error) {
	b, err := loadBases(s, opts.Bases)
	if err != nil {
		return nil, err
	}
	p, err := plan.Build(s, plan.Options{SeparateAuth: opts.InlineSecrets, Shape: &b.shape.Shape, RoleShapes: b.shape.roleShape})
	if err != nil {
		return nil, err
	}
	out := &Output{Plan: p, Shape: b.shape}
	out.Warnings = append(out.Warnings, s.Warnings()...)
	out.Warnings = append(out.Warnings, b.warnings...)
	if p.Auth.Ref.Kind == spec.RefInline {
		out.Warnings = append(out.Warnings, s.Where("tailnet", "auth")+
			": holds the secret in plain text (allowInline); reference it as env:NAME or file:PATH")
	}
	var secret []byte
	if opts.InlineSecrets {
		lookup := opts.LookupEnv
		if lookup == nil {
			lookup = func(string) (string, bool) { return "", false }
		}
		v, err := p.Auth.Ref.Resolve(lookup)
		if err != nil {
			// The reference, never the value, is named.
			return nil, fmt.Errorf("%s: tailnet.auth (%s): %w", s.File(), p.Auth.Ref, err)
		}
		if secret, err = secretPatch(p.Auth, v); err != nil {
			return nil, err
		}
	}
	files, patches, err := files(p, b.shape, secret, opts.OutDir)
	if err != nil {
		return nil, err
	}
	out.Files = files
	if err := verify(p, b, files, patches, out); err != nil {
		return nil, err
	}
	out.Index = index(p, files, opts.OutDir, secret != nil)
	out.Index.Shape = b.shape
	for _, n := range p.Nodes {
		for _, w := range n.Warnings {
			out.Warnings = append(out.Warnings, fmt.Sprintf("node %s: %s", n.Spec.Name, w))
		}
	}
	return out, nil
}

func index(p *plan.Plan, files []render.File, outDir string, inline bool) Index {
	rel := func(f string) string { return filepath.Join(outDir, f) }
	idx := Index{Schematic: IndexSchematic{ID: p.SchematicID}}
	if len(p.Nodes) > 0 {
		idx.Schematic.Installer = p.Nodes[0].InstallImage
	}
	for _, n := range p.Nodes {
		patches := []string{rel(NodePatchPath(n.Spec.Name))}
		if inline {
			patches = append(patches, rel(SecretPatchPath))
		}
		idx.Nodes = append(idx.Nodes, IndexNode{Name: n.Spec.Name, Role: n.Spec.Role, Patches: patches})
	}
	for _, f := range files {
		idx.Files = append(idx.Files, rel(f.Path))
	}
	return idx
}

// String names the shape for messages, per role when they differ.
func (src ShapeSource) String() string {
	if len(src.Roles) == 0 {
		return src.Shape.String()
	}
	var parts []string
	for _, r := range []string{machine.TypeControlPlane.String(), machine.TypeWorker.String()} {
		if n, ok := src.Roles[r]; ok {
			parts = append(parts, r+": "+n)
		}
	}
	return "mixed (" + strings.Join(parts, ", ") + ")"
}

// AnyMultidoc reports whether any role's patches use the 1.14 documents.
func (src ShapeSource) AnyMultidoc() bool {
	if src.Shape.Multidoc() {
		return true
	}
	for _, sh := range src.roleShape {
		if sh.Multidoc() {
			return true
		}
	}
	return false
}
