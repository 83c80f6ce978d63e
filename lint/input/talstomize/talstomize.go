// Package talstomize reads a talstomize.yaml (github.com/mirceanton/
// talstomize) into the nodes it renders, with their installer images and
// patches in talstomize's order, for the linter to render and check.
package talstomize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/secret"
)

// talstomize.yaml as mirceanton/talstomize f3bd54a (internal/config/types.go)
// defines it: apiVersion config.talstomize.dev/v1alpha1, kind Talstomize.
const (
	apiVersion = "config.talstomize.dev/v1alpha1"
	kind       = "Talstomize"
)

type config struct {
	ClusterName          string          `yaml:"clusterName"`
	ControlPlaneEndpoint string          `yaml:"controlPlaneEndpoint"`
	Installer            installer       `yaml:"installer"`
	Nodes                map[string]node `yaml:"nodes"`
	Patches              []yaml.Node     `yaml:"patches"`
	ControlPlanePatches  []yaml.Node     `yaml:"controlplanePatches"`
	WorkerPatches        []yaml.Node     `yaml:"workerPatches"`
	AdditionalSANs       []string        `yaml:"additionalSubjectAltNames"`
}

type installer struct {
	Image        string    `yaml:"image"`
	Schematic    yaml.Node `yaml:"schematic"`
	TalosVersion string    `yaml:"talosVersion"`
}

type node struct {
	IP        string      `yaml:"ip"`
	Kind      string      `yaml:"kind"`
	Patches   []yaml.Node `yaml:"patches"`
	Installer installer   `yaml:"installer"`
}

// Is recognises a talstomize.yaml by its apiVersion and kind.
func Is(d *yaml.Node) bool {
	return input.Value(d, "apiVersion") == apiVersion && input.Value(d, "kind") == kind
}

// Read describes each node of a talstomize.yaml as `talstomize build`
// does (internal/talos/engine.go RenderNode): hostname from the node's key,
// the install image (node installer, else the cluster's; a schematic
// becomes factory.talos.dev/metal-installer/<id>:<talosVersion>), then the
// cluster, role and node patches. Patch files are read relative to the
// file; https patches are not fetched.
//
// env holds the values ${VAR} takes; data is the file as already
// substituted with env. Errors do not name file: the caller does.
func Read(file string, data []byte, root *yaml.Node, env map[string]string) (input.Project, error) {
	p := input.Project{Tool: "talstomize", Data: data}
	nodes, version, tc, err := read(file, &p.Data, root, env, &p.Notes)
	p.Version, p.Cluster, p.Endpoint, p.Nodes = version, tc.ClusterName, tc.ControlPlaneEndpoint, nodes
	return p, err
}

func read(file string, datap *[]byte, root *yaml.Node, exported map[string]string, notes *[]string) ([]input.Node, string, config, error) {
	note := func(s string) { *notes = append(*notes, s) }
	data := *datap
	var tc config
	dir := filepath.Dir(file)
	env := exported
	// talstomize loads a .env beside the file; exported variables (here:
	// --env values, already substituted) win over it.
	if dotenv, err := input.ReadEnvFile(filepath.Join(dir, ".env")); err == nil && len(dotenv) > 0 {
		env = map[string]string{}
		for k, v := range dotenv {
			env[k] = v
		}
		for k, v := range exported {
			env[k] = v
		}
		data = input.Substitute(data, dotenv)
		*datap = data
		docs, err := input.ParseDocs(data)
		if err != nil {
			return nil, "", tc, fmt.Errorf("after .env substitution: %w", err)
		}
		if len(docs) == 0 {
			return nil, "", tc, errors.New("after .env substitution: no YAML document")
		}
		root = docs[0]
		note(fmt.Sprintf("%s: ${VAR} values read from %s, as talstomize does", file, filepath.Join(dir, ".env")))
		for k, v := range dotenv {
			if kind := secret.Kind(v); kind != "" {
				note(fmt.Sprintf("%s: %s holds a %s credential in plain text; keep the file out of the repository (or encrypt it) and revoke a committed key", filepath.Join(dir, ".env"), k, kind))
			}
		}
	}
	input.ResolveAliases(root)
	if err := root.Decode(&tc); err != nil {
		return nil, "", tc, fmt.Errorf("talstomize config: %w", err)
	}
	version := tc.Installer.TalosVersion
	if version != "" {
		version = "v" + strings.TrimPrefix(version, "v")
	}
	names := make([]string, 0, len(tc.Nodes))
	for name := range tc.Nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	nodesNode := input.Child(root, "nodes")
	var nodes []input.Node
	for _, name := range names {
		n := tc.Nodes[name]
		role := machine.TypeWorker
		switch n.Kind {
		case "controlplane":
			role = machine.TypeControlPlane
		case "worker":
		default:
			return nil, "", tc, fmt.Errorf("node %q: kind must be controlplane or worker, got %q", name, n.Kind)
		}
		pn := input.Node{Name: name, Role: role, Hostname: name, Lines: map[string]int{}, Schematics: map[string][]string{}}
		nodeYAML := input.Child(nodesNode, name)
		inst, instNode := n.Installer, input.Child(nodeYAML, "installer")
		if inst.Image == "" && inst.Schematic.Kind == 0 {
			inst, instNode = tc.Installer, input.Child(root, "installer")
		}
		switch {
		case inst.Image != "":
			pn.Image = inst.Image
		case inst.Schematic.Kind != 0:
			b, err := yaml.Marshal(&inst.Schematic)
			if err != nil {
				return nil, "", tc, err
			}
			s, err := schematic.Parse(b)
			if err != nil {
				return nil, "", tc, fmt.Errorf("node %s: installer.schematic: %w", name, err)
			}
			id, err := s.ID()
			if err != nil {
				return nil, "", tc, err
			}
			pn.Schematics[id] = s.Extensions()
			tag := version
			if tag == "" {
				tag = input.StandInVersion
			}
			pn.Image = imagefactory.InstallerImage(imagefactory.DefaultHost, "metal", id, tag, false)
		}
		if instNode != nil {
			pn.Lines["machine.install.image"] = instNode.Line
		}
		if k, _ := input.Pair(nodesNode, name); k != nil {
			pn.Lines["machine"], pn.Lines["cluster"] = k.Line, k.Line
		}
		for _, group := range []struct {
			what    string
			entries []yaml.Node
		}{{"patches", tc.Patches}, {rolePatchKey(role), rolePatches(tc, role)}, {"node " + name + " patches", n.Patches}} {
			for i := range group.entries {
				src, templated, err := projectPatch(file, dir, data, &group.entries[i], env)
				if err != nil {
					note(fmt.Sprintf("%s: node %s: %s[%d]: %v, skipped", file, name, group.what, i, err))
					continue
				}
				pn.Patches = append(pn.Patches, src)
				pn.Templated = append(pn.Templated, templated...)
			}
		}
		nodes = append(nodes, pn)
	}
	return nodes, version, tc, nil
}

func rolePatchKey(role machine.Type) string {
	if role == machine.TypeControlPlane {
		return "controlplanePatches"
	}
	return "workerPatches"
}

func rolePatches(tc config, role machine.Type) []yaml.Node {
	if role == machine.TypeControlPlane {
		return tc.ControlPlanePatches
	}
	return tc.WorkerPatches
}

// projectPatch reads one patch entry: a file path relative to dir, or an
// inline document kept at its lines in the project file.
func projectPatch(file, dir string, data []byte, n *yaml.Node, env map[string]string) (input.Source, []string, error) {
	if n.Kind != yaml.ScalarNode {
		return input.InlineSource(file, data, n), nil, nil
	}
	ref := n.Value
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		return input.Source{}, nil, fmt.Errorf("remote patch %s is not fetched", ref)
	}
	if strings.Contains(ref, "\n") {
		return input.InlineSource(file, data, n), nil, nil
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, ref)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return input.Source{}, nil, fmt.Errorf("patch %s: %w", ref, err)
	}
	// Keys filled in from the environment are not written in the file.
	return input.Source{File: p, Data: input.Substitute(b, env)}, input.TemplatedEnvKeys(b), nil
}
