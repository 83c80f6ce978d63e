package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/schematic"
)

// talstomize.yaml as mirceanton/talstomize f3bd54a (internal/config/types.go)
// defines it: apiVersion config.talstomize.dev/v1alpha1, kind Talstomize.
const (
	talstomizeAPIVersion = "config.talstomize.dev/v1alpha1"
	talstomizeKind       = "Talstomize"
)

type talstomizeConfig struct {
	ClusterName          string                    `yaml:"clusterName"`
	ControlPlaneEndpoint string                    `yaml:"controlPlaneEndpoint"`
	Installer            talstomizeInstaller       `yaml:"installer"`
	Nodes                map[string]talstomizeNode `yaml:"nodes"`
	Patches              []yaml.Node               `yaml:"patches"`
	ControlPlanePatches  []yaml.Node               `yaml:"controlplanePatches"`
	WorkerPatches        []yaml.Node               `yaml:"workerPatches"`
	AdditionalSANs       []string                  `yaml:"additionalSubjectAltNames"`
}

type talstomizeInstaller struct {
	Image        string    `yaml:"image"`
	Schematic    yaml.Node `yaml:"schematic"`
	TalosVersion string    `yaml:"talosVersion"`
}

type talstomizeNode struct {
	IP        string              `yaml:"ip"`
	Kind      string              `yaml:"kind"`
	Patches   []yaml.Node         `yaml:"patches"`
	Installer talstomizeInstaller `yaml:"installer"`
}

func isTalstomize(d *yaml.Node) bool {
	return value(d, "apiVersion") == talstomizeAPIVersion && value(d, "kind") == talstomizeKind
}

// talstomize renders each node of a talstomize.yaml as `talstomize build`
// does (internal/talos/engine.go RenderNode): hostname from the node's key,
// the install image (node installer, else the cluster's; a schematic
// becomes factory.talos.dev/metal-installer/<id>:<talosVersion>), then the
// cluster, role and node patches. Patch files are read relative to the
// file; https patches are not fetched.
func (l *Loader) talstomize(file string, data []byte, root *yaml.Node) ([]Unit, error) {
	dir := filepath.Dir(file)
	env := l.Env
	// talstomize loads a .env beside the file; exported variables (here:
	// --env values, already substituted) win over it.
	if dotenv, err := ReadEnvFile(filepath.Join(dir, ".env")); err == nil && len(dotenv) > 0 {
		env = map[string]string{}
		for k, v := range dotenv {
			env[k] = v
		}
		for k, v := range l.Env {
			env[k] = v
		}
		data = Substitute(data, dotenv)
		docs, err := parseDocs(data)
		if err != nil || len(docs) == 0 {
			return nil, &InputError{File: file, Err: fmt.Errorf("after .env substitution: %v", err)}
		}
		root = docs[0]
		l.note(fmt.Sprintf("%s: ${VAR} values read from %s, as talstomize does", file, filepath.Join(dir, ".env")))
		for k, v := range dotenv {
			if kind := rules.SecretKind(v); kind != "" {
				l.note(fmt.Sprintf("%s: %s holds a %s credential in plain text; keep the file out of the repository (or encrypt it) and revoke a committed key", filepath.Join(dir, ".env"), k, kind))
			}
		}
	}
	resolveAliases(root)
	var tc talstomizeConfig
	if err := root.Decode(&tc); err != nil {
		return nil, &InputError{File: file, Err: fmt.Errorf("talstomize config: %w", err)}
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
	nodesNode := child(root, "nodes")
	var nodes []projectNode
	for _, name := range names {
		n := tc.Nodes[name]
		role := machine.TypeWorker
		switch n.Kind {
		case "controlplane":
			role = machine.TypeControlPlane
		case "worker":
		default:
			return nil, &InputError{File: file, Err: fmt.Errorf("node %q: kind must be controlplane or worker, got %q", name, n.Kind)}
		}
		pn := projectNode{Name: name, Role: role, Hostname: name, Lines: map[string]int{}, Schematics: map[string][]string{}}
		nodeYAML := child(nodesNode, name)
		inst, instNode := n.Installer, child(nodeYAML, "installer")
		if inst.Image == "" && inst.Schematic.Kind == 0 {
			inst, instNode = tc.Installer, child(root, "installer")
		}
		switch {
		case inst.Image != "":
			pn.Image = inst.Image
		case inst.Schematic.Kind != 0:
			b, err := yaml.Marshal(&inst.Schematic)
			if err != nil {
				return nil, &InputError{File: file, Err: err}
			}
			s, err := schematic.Parse(b)
			if err != nil {
				return nil, &InputError{File: file, Err: fmt.Errorf("node %s: installer.schematic: %w", name, err)}
			}
			id, err := s.ID()
			if err != nil {
				return nil, &InputError{File: file, Err: err}
			}
			pn.Schematics[id] = s.Extensions()
			tag := version
			if tag == "" {
				tag = standInVersion
			}
			pn.Image = imagefactory.InstallerImage(imagefactory.DefaultHost, "metal", id, tag, false)
		}
		if instNode != nil {
			pn.Lines["machine.install.image"] = instNode.Line
		}
		if k, _ := pair(nodesNode, name); k != nil {
			pn.Lines["machine"], pn.Lines["cluster"] = k.Line, k.Line
		}
		for _, group := range []struct {
			what    string
			entries []yaml.Node
		}{{"patches", tc.Patches}, {rolePatchKey(role), rolePatches(tc, role)}, {"node " + name + " patches", n.Patches}} {
			for i := range group.entries {
				src, templated, err := projectPatch(file, dir, data, &group.entries[i], env)
				if err != nil {
					l.note(fmt.Sprintf("%s: node %s: %s[%d]: %v, skipped", file, name, group.what, i, err))
					continue
				}
				pn.Patches = append(pn.Patches, src)
				pn.Templated = append(pn.Templated, templated...)
			}
		}
		nodes = append(nodes, pn)
	}
	return l.projectUnits("talstomize", file, data, version, tc.ClusterName, tc.ControlPlaneEndpoint, nodes)
}

func rolePatchKey(role machine.Type) string {
	if role == machine.TypeControlPlane {
		return "controlplanePatches"
	}
	return "workerPatches"
}

func rolePatches(tc talstomizeConfig, role machine.Type) []yaml.Node {
	if role == machine.TypeControlPlane {
		return tc.ControlPlanePatches
	}
	return tc.WorkerPatches
}

// projectPatch reads one patch entry: a file path relative to dir, or an
// inline document kept at its lines in the project file.
func projectPatch(file, dir string, data []byte, n *yaml.Node, env map[string]string) (Source, []string, error) {
	if n.Kind != yaml.ScalarNode {
		return inlineSource(file, data, n), nil, nil
	}
	ref := n.Value
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		return Source{}, nil, fmt.Errorf("remote patch %s is not fetched", ref)
	}
	if strings.Contains(ref, "\n") {
		return inlineSource(file, data, n), nil, nil
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, ref)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Source{}, nil, fmt.Errorf("patch %s: %w", ref, err)
	}
	// Keys filled in from the environment are not written in the file.
	return Source{File: p, Data: Substitute(b, env)}, templatedEnvKeys(b), nil
}
