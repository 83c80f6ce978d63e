// Package talhelper reads a talhelper talconfig.yaml
// (github.com/budimanjojo/talhelper) into the nodes `talhelper genconfig`
// renders: each node's own fields as a patch, and the global, role and
// node patches in talhelper's order, for the linter to render and check.
package talhelper

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/talosconf"
)

// talconfig is the part of talhelper's talconfig.yaml the linter follows.
type talconfig struct {
	ClusterName                 string      `yaml:"clusterName"`
	TalosVersion                string      `yaml:"talosVersion"`
	Endpoint                    string      `yaml:"endpoint"`
	ClusterPodNets              []string    `yaml:"clusterPodNets"`
	ClusterSvcNets              []string    `yaml:"clusterSvcNets"`
	AdditionalMachineCertSans   []string    `yaml:"additionalMachineCertSans"`
	AdditionalAPIServerCertSans []string    `yaml:"additionalApiServerCertSans"`
	Patches                     []yaml.Node `yaml:"patches"`
	ControlPlane                talGroup    `yaml:"controlPlane"`
	Worker                      talGroup    `yaml:"worker"`
	Nodes                       []talNode   `yaml:"nodes"`
	ImageFactory                talFactory  `yaml:"imageFactory"`
}

type talGroup struct {
	Patches           []yaml.Node  `yaml:"patches"`
	ExtensionServices []talService `yaml:"extensionServices"`
	Schematic         yaml.Node    `yaml:"schematic"`
	TalosImageURL     string       `yaml:"talosImageURL"`
}

type talFactory struct {
	RegistryURL string `yaml:"registryURL"`
}

type talNode struct {
	Hostname          string         `yaml:"hostname"`
	IPAddress         string         `yaml:"ipAddress"`
	ControlPlane      bool           `yaml:"controlPlane"`
	TalosImageURL     string         `yaml:"talosImageURL"`
	Schematic         yaml.Node      `yaml:"schematic"`
	ExtensionServices []talService   `yaml:"extensionServices"`
	Patches           []yaml.Node    `yaml:"patches"`
	Nameservers       []string       `yaml:"nameservers"`
	CertSans          []string       `yaml:"certSans"`
	NetworkInterfaces []talInterface `yaml:"networkInterfaces"`
	MachineSpec       struct {
		Secureboot bool `yaml:"secureboot"`
	} `yaml:"machineSpec"`
}

type talService struct {
	Name        string `yaml:"name"`
	ConfigFiles []struct {
		Content   string `yaml:"content"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"configFiles"`
	Environment []string `yaml:"environment"`
}

type talInterface struct {
	Interface string   `yaml:"interface"`
	Addresses []string `yaml:"addresses"`
	MTU       int      `yaml:"mtu"`
}

// Cluster is a talconfig.yaml, read.
type Cluster struct {
	// Version is the Talos version of the base configs: talosVersion when
	// tailos supports it, else input.StandInVersion (with a note).
	Version string
	// TalosVersion is talosVersion as written (maybe a placeholder).
	TalosVersion string
	// Cluster and Endpoint name the base configs ("talhelper" and a
	// documentation address stand in for placeholders).
	Cluster, Endpoint string
	Nodes             []Node
	// Notes say what the reader skipped or assumed.
	Notes []string
}

// Node is one node of the talconfig.
type Node struct {
	Name string
	Role machine.Type
	// Fields are the node's own fields (hostname, interfaces, install
	// image, extension services, …) as a patch: talhelper applies it
	// first, then Patches.
	Fields []byte
	// Schematics the node's fields define (ID → extensions).
	Schematics map[string][]string
	Patches    []Patch
	// Lines maps config field paths to the talconfig lines of the node
	// fields they are rendered from.
	Lines map[string]int
	// TailscaleServices counts the node's extensionServices named
	// tailscale.
	TailscaleServices int
}

// Patch is one patch entry: global, then role, then node ones.
type Patch struct {
	// File is the patch file on disk, "" for an inline or bundled patch.
	File string
	// Data is the patch, ${VAR} substituted where it came from disk.
	Data []byte
	// Templated are the environment keys Data takes from ${VAR}.
	Templated []string
	// Skipped, when set, says why the patch cannot be applied (missing,
	// outside the tree); Data is then nil.
	Skipped string
}

// Is recognises a talconfig: clusterName and nodes at the top.
func Is(d *yaml.Node) bool {
	return input.Child(d, "clusterName") != nil && input.Child(d, "nodes") != nil
}

// Read describes each node of a talconfig.yaml the way `talhelper
// genconfig` renders it — generated base, node fields, global/role/node
// patches — following what a linter can without secrets: `@file` patches
// are read relative to the talconfig (or, in a multi-document file, from a
// document headed `# file: <name>`); env fills ${VAR} in patch files.
// Errors do not name file: the caller does.
func Read(file string, data []byte, root *yaml.Node, env map[string]string) (Cluster, error) {
	input.ResolveAliases(root)
	var tc talconfig
	if err := root.Decode(&tc); err != nil {
		return Cluster{}, fmt.Errorf("talhelper config: %w", err)
	}
	c := Cluster{Version: tc.TalosVersion, TalosVersion: tc.TalosVersion, Cluster: tc.ClusterName, Endpoint: tc.Endpoint}
	if _, err := talosconf.Contract(c.Version); err != nil {
		c.Notes = append(c.Notes, fmt.Sprintf("%s: talosVersion %q not supported, using %s for the base config", file, c.Version, input.StandInVersion))
		c.Version = input.StandInVersion
	}
	if c.Endpoint == "" || strings.Contains(c.Endpoint, "${") || !strings.HasPrefix(c.Endpoint, "https://") {
		c.Endpoint = "https://192.0.2.1:6443"
	}
	if c.Cluster == "" || strings.Contains(c.Cluster, "${") {
		c.Cluster = "talhelper"
	}
	siblings := siblingDocs(data)
	for i, n := range tc.Nodes {
		role, group := machine.TypeWorker, tc.Worker
		if n.ControlPlane {
			role, group = machine.TypeControlPlane, tc.ControlPlane
		}
		name := n.Hostname
		if name == "" {
			name = fmt.Sprintf("nodes[%d]", i)
		}
		node := Node{Name: name, Role: role, Lines: nodeLines(root, i, n.ControlPlane)}
		for _, svc := range append(append([]talService{}, group.ExtensionServices...), n.ExtensionServices...) {
			if svc.Name == tailscaleext.ServiceName {
				node.TailscaleServices++
			}
		}
		for _, src := range [][]yaml.Node{tc.Patches, group.Patches, n.Patches} {
			for j := range src {
				p, err := readPatch(file, name, &src[j], siblings, env)
				if err != nil {
					return Cluster{}, err
				}
				node.Patches = append(node.Patches, p)
			}
		}
		fields, schematics, err := talNodePatch(tc, group, n, c.Version)
		if err != nil {
			return Cluster{}, fmt.Errorf("node %s: %w", name, err)
		}
		node.Fields, node.Schematics = fields, schematics
		c.Nodes = append(c.Nodes, node)
	}
	for _, name := range unreferenced(tc, siblings) {
		c.Notes = append(c.Notes, fmt.Sprintf("%s: bundled document %s is not referenced by any patches: entry, so it is not applied", file, name))
	}
	return c, nil
}

// readPatch reads one talhelper patch: "@file", an inline YAML string, or
// an inline mapping/list.
func readPatch(file, node string, n *yaml.Node, siblings map[string][]byte, env map[string]string) (Patch, error) {
	switch {
	case n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "@"):
		ref := strings.TrimPrefix(n.Value, "@")
		// A patch file lives in the talconfig's tree: "@../../x" would
		// read any file the user can.
		if !filepath.IsLocal(filepath.Clean(ref)) {
			return Patch{Skipped: fmt.Sprintf("%s: node %s: patch %s is outside %s, skipped", file, node, ref, filepath.Dir(file))}, nil
		}
		disk := filepath.Join(filepath.Dir(file), ref)
		if b, err := userfile.Read(disk, userfile.ConfigLimit); err == nil {
			return Patch{File: disk, Data: input.Substitute(b, env), Templated: input.TemplatedEnvKeys(b)}, nil
		}
		if b := siblings[path.Base(ref)]; b != nil {
			return Patch{Data: b}, nil
		}
		return Patch{Skipped: fmt.Sprintf("%s: node %s: patch %s not found, skipped", file, node, ref)}, nil
	case n.Kind == yaml.ScalarNode:
		return Patch{Data: []byte(n.Value)}, nil
	default:
		b, err := yaml.Marshal(n)
		if err != nil {
			return Patch{}, err
		}
		return Patch{Data: b}, nil
	}
}

// nodeLines maps config field paths to the talconfig lines of the fields
// node i is rendered from: its own, else its role group's, else the
// cluster-wide ones; anything else points at the node's entry.
func nodeLines(root *yaml.Node, i int, controlPlane bool) map[string]int {
	keyLine := func(m *yaml.Node, key string) int {
		if k, _ := input.Pair(m, key); k != nil {
			return k.Line
		}
		return 0
	}
	nodes := input.Child(root, "nodes")
	if nodes == nil || nodes.Kind != yaml.SequenceNode || i >= len(nodes.Content) {
		return nil
	}
	node := nodes.Content[i]
	group := input.Child(root, "worker")
	if controlPlane {
		group = input.Child(root, "controlPlane")
	}
	first := func(cands ...int) int {
		for _, c := range cands {
			if c > 0 {
				return c
			}
		}
		return 0
	}
	lines := map[string]int{
		"machine": node.Line,
		"cluster": node.Line,
		"machine.install.image": first(keyLine(node, "talosImageURL"), keyLine(node, "schematic"),
			keyLine(group, "talosImageURL"), keyLine(group, "schematic"), node.Line),
		"machine.certSANs":            first(keyLine(node, "certSans"), keyLine(root, "additionalMachineCertSans"), node.Line),
		"cluster.apiServer.certSANs":  first(keyLine(root, "additionalApiServerCertSans"), node.Line),
		"machine.network.interfaces":  first(keyLine(node, "networkInterfaces"), node.Line),
		"machine.network.nameservers": first(keyLine(node, "nameservers"), node.Line),
		"extensionServices":           first(keyLine(node, "extensionServices"), keyLine(group, "extensionServices"), node.Line),
	}
	return lines
}

// unreferenced lists the "# file:" documents bundled with a talconfig that
// none of its patches names: they are not applied.
func unreferenced(tc talconfig, siblings map[string][]byte) []string {
	used := map[string]bool{}
	refs := func(ps []yaml.Node) {
		for _, p := range ps {
			if p.Kind == yaml.ScalarNode && strings.HasPrefix(p.Value, "@") {
				used[path.Base(strings.TrimPrefix(p.Value, "@"))] = true
			}
		}
	}
	refs(tc.Patches)
	refs(tc.ControlPlane.Patches)
	refs(tc.Worker.Patches)
	for _, n := range tc.Nodes {
		refs(n.Patches)
	}
	var out []string
	for name := range siblings {
		if !used[name] && name != "talconfig.yaml" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// talNodePatch turns a node's fields into a strategic-merge patch, and
// returns the schematics it defines (ID → extensions).
func talNodePatch(tc talconfig, group talGroup, n talNode, version string) ([]byte, map[string][]string, error) {
	machineCfg := map[string]any{}
	network := map[string]any{}
	if n.Hostname != "" {
		network["hostname"] = n.Hostname
	}
	var ifaces []any
	for _, i := range n.NetworkInterfaces {
		m := map[string]any{"interface": i.Interface}
		if len(i.Addresses) > 0 {
			m["addresses"] = i.Addresses
		}
		if i.MTU > 0 {
			m["mtu"] = i.MTU
		}
		if i.Interface != "" {
			ifaces = append(ifaces, m)
		}
	}
	if len(ifaces) > 0 {
		network["interfaces"] = ifaces
	}
	if len(n.Nameservers) > 0 {
		network["nameservers"] = n.Nameservers
	}
	if len(network) > 0 {
		machineCfg["network"] = network
	}
	if sans := append(append([]string{}, tc.AdditionalMachineCertSans...), n.CertSans...); len(sans) > 0 {
		machineCfg["certSANs"] = sans
	}

	schematics := map[string][]string{}
	registry := strings.TrimSuffix(tc.ImageFactory.RegistryURL, "/")
	if registry == "" {
		registry = imagefactory.DefaultHost
	}
	// talhelper writes the legacy (platform-less) installer name.
	installer := func(id string) string {
		return imagefactory.InstallerImage(registry, "", id, version, n.MachineSpec.Secureboot)
	}
	image := ""
	sch := &n.Schematic
	if sch.Kind == 0 {
		sch = &group.Schematic
	}
	url := n.TalosImageURL
	if url == "" {
		url = group.TalosImageURL
	}
	switch {
	case url != "":
		image = url + ":" + version
	case sch.Kind != 0:
		b, err := yaml.Marshal(sch)
		if err != nil {
			return nil, nil, err
		}
		s, err := schematic.Parse(b)
		if err != nil {
			return nil, nil, fmt.Errorf("schematic at line %d: %w", sch.Line, err)
		}
		id, err := s.ID()
		if err != nil {
			return nil, nil, err
		}
		schematics[id] = s.Extensions()
		image = installer(id)
	default:
		// talhelper's default installer is the empty schematic's.
		image = installer(imagefactory.EmptySchematicID)
	}
	machineCfg["install"] = map[string]any{"image": image}

	doc := map[string]any{"machine": machineCfg}
	clusterCfg := map[string]any{}
	if len(tc.AdditionalAPIServerCertSans) > 0 {
		clusterCfg["apiServer"] = map[string]any{"certSANs": tc.AdditionalAPIServerCertSans}
	}
	netCfg := map[string]any{}
	if len(tc.ClusterPodNets) > 0 {
		netCfg["podSubnets"] = tc.ClusterPodNets
	}
	if len(tc.ClusterSvcNets) > 0 {
		netCfg["serviceSubnets"] = tc.ClusterSvcNets
	}
	if len(netCfg) > 0 {
		clusterCfg["network"] = netCfg
	}
	if len(clusterCfg) > 0 {
		doc["cluster"] = clusterCfg
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, nil, err
	}
	services := append(append([]talService{}, group.ExtensionServices...), n.ExtensionServices...)
	for _, s := range services {
		esc := map[string]any{"apiVersion": "v1alpha1", "kind": "ExtensionServiceConfig", "name": s.Name}
		if len(s.Environment) > 0 {
			esc["environment"] = s.Environment
		}
		if len(s.ConfigFiles) > 0 {
			var files []any
			for _, f := range s.ConfigFiles {
				files = append(files, map[string]any{"content": f.Content, "mountPath": f.MountPath})
			}
			esc["configFiles"] = files
		}
		b, err := yaml.Marshal(esc)
		if err != nil {
			return nil, nil, err
		}
		out = append(append(out, "---\n"...), b...)
	}
	return out, schematics, nil
}

// siblingDocs indexes the documents of a multi-document file by the base
// name in a leading "# file: <path>" comment (the realworld corpus bundles
// a talconfig with the patch files it references that way).
func siblingDocs(data []byte) map[string][]byte {
	out := map[string][]byte{}
	for _, part := range strings.Split(string(data), "\n---") {
		part = strings.TrimPrefix(part, "\n")
		first, rest, _ := strings.Cut(part, "\n")
		name, ok := strings.CutPrefix(strings.TrimSpace(first), "# file:")
		if !ok {
			continue
		}
		fields := strings.Fields(name)
		if len(fields) == 0 {
			continue
		}
		out[path.Base(fields[0])] = []byte(rest)
	}
	return out
}
