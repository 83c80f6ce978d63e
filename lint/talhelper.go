package lint

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/rules"
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

// talhelper renders each node of a talconfig.yaml the way `talhelper
// genconfig` does — generated base, global/role/node patches, node fields —
// following what a linter can without secrets: `@file` patches are read
// relative to the talconfig (or, in a multi-document file, from a document
// headed `# file: <name>`); envsubst placeholders stay verbatim.
func (l *Loader) talhelper(file string, data []byte, root *yaml.Node) ([]Unit, error) {
	resolveAliases(root)
	var tc talconfig
	if err := root.Decode(&tc); err != nil {
		return nil, &InputError{File: file, Err: fmt.Errorf("talhelper config: %w", err)}
	}
	version := tc.TalosVersion
	if _, err := talosconf.Contract(version); err != nil {
		l.note(fmt.Sprintf("%s: talosVersion %q not supported, using %s for the base config", file, version, standInVersion))
		version = standInVersion
	}
	endpoint := tc.Endpoint
	if endpoint == "" || strings.Contains(endpoint, "${") || !strings.HasPrefix(endpoint, "https://") {
		endpoint = "https://192.0.2.1:6443"
	}
	cluster := tc.ClusterName
	if cluster == "" || strings.Contains(cluster, "${") {
		cluster = "talhelper"
	}
	siblings := siblingDocs(data)
	var units []Unit
	for i, n := range tc.Nodes {
		role, group := machine.TypeWorker, tc.Worker
		if n.ControlPlane {
			role, group = machine.TypeControlPlane, tc.ControlPlane
		}
		base, err := l.generated(version, cluster, endpoint, role)
		if err != nil {
			return nil, &InputError{File: file, Err: err}
		}
		name := n.Hostname
		if name == "" {
			name = fmt.Sprintf("nodes[%d]", i)
		}
		var patches []configpatcher.Patch
		facts := rules.LoadFacts{Tool: "talhelper"}
		var skipped []string
		srcs := []Source{{File: file, Data: data}}
		for _, svc := range append(append([]talService{}, group.ExtensionServices...), n.ExtensionServices...) {
			if svc.Name == tailscaleext.ServiceName {
				facts.TailscaleDocs++
			}
		}
		for _, src := range [][]yaml.Node{tc.Patches, group.Patches, n.Patches} {
			for j := range src {
				p, err := l.talPatch(file, name, &src[j], siblings, &facts, &srcs)
				if err != nil {
					skipped = append(skipped, err.Error())
					continue
				}
				patches = append(patches, p)
			}
		}
		nodePatch, schematics, err := talNodePatch(tc, group, n, version)
		if err != nil {
			return nil, &InputError{File: file, Err: fmt.Errorf("node %s: %w", name, err)}
		}
		np, err := configpatcher.LoadPatch(nodePatch)
		if err != nil {
			return nil, &InputError{File: file, Err: fmt.Errorf("node %s: %w", name, err)}
		}
		// talhelper applies the node's own fields first, then patches.
		patches = append([]configpatcher.Patch{np}, patches...)
		cfg := base
		for _, p := range patches {
			out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), []configpatcher.Patch{p})
			if err != nil {
				msg := fmt.Sprintf("%s: node %s: patch skipped: %v", file, name, err)
				skipped = append(skipped, msg)
				continue
			}
			next, err := out.Config()
			if err != nil {
				msg := fmt.Sprintf("%s: node %s: patch skipped: %v", file, name, err)
				skipped = append(skipped, msg)
				continue
			}
			cfg = next
		}
		units = append(units, Unit{File: file, Node: name, Source: data, Config: cfg, Kind: "talhelper", Schematics: schematics,
			TalosVersion: talosVersion(tc.TalosVersion), Load: facts, Sources: srcs, Lines: nodeLines(root, i, n.ControlPlane), Skipped: skipped})
	}
	for _, name := range unreferenced(tc, siblings) {
		l.note(fmt.Sprintf("%s: bundled document %s is not referenced by any patches: entry, so it is not applied", file, name))
	}
	return units, nil
}

// talosVersion keeps a literal version (not an envsubst placeholder).
func talosVersion(v string) string {
	if imagefactory.IsTalosRelease(v) {
		return v
	}
	return ""
}

func (l *Loader) note(s string) {
	l.mu.Lock()
	l.Notes = append(l.Notes, s)
	l.mu.Unlock()
}

// talPatch loads one talhelper patch: "@file", an inline YAML string, or an
// inline mapping/list.
func (l *Loader) talPatch(file, node string, n *yaml.Node, siblings map[string][]byte, facts *rules.LoadFacts, srcs *[]Source) (configpatcher.Patch, error) {
	var data []byte
	switch {
	case n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "@"):
		ref := strings.TrimPrefix(n.Value, "@")
		// A patch file lives in the talconfig's tree: "@../../x" would
		// read any file the user can.
		if !filepath.IsLocal(filepath.Clean(ref)) {
			return nil, fmt.Errorf("%s: node %s: patch %s is outside %s, skipped", file, node, ref, filepath.Dir(file))
		}
		disk := filepath.Join(filepath.Dir(file), ref)
		b, err := userfile.Read(disk, userfile.ConfigLimit)
		if err == nil {
			facts.Templated = append(facts.Templated, templatedEnvKeys(b)...)
			b = Substitute(b, l.Env)
			*srcs = append(*srcs, Source{File: disk, Data: b})
		} else {
			b = siblings[path.Base(ref)]
		}
		if b == nil {
			return nil, fmt.Errorf("%s: node %s: patch %s not found, skipped", file, node, ref)
		}
		data = b
	case n.Kind == yaml.ScalarNode:
		data = []byte(n.Value)
	default:
		b, err := yaml.Marshal(n)
		if err != nil {
			return nil, err
		}
		data = b
	}
	// talhelper's envsubst turns the escape $$ into $ ($$patch: delete).
	data = bytes.ReplaceAll(data, []byte("$$"), []byte("$"))
	docs, _ := parseDocs(data) // nil for a JSON patch
	tsDocs := tailscaleDocs(docs)
	clean, invalid := stripInvalid(data, docs)
	p, err := configpatcher.LoadPatch(clean)
	if err != nil {
		return nil, fmt.Errorf("%s: node %s: patch skipped: %v", file, node, err)
	}
	facts.Invalid = append(facts.Invalid, invalid...)
	facts.TailscaleDocs += tsDocs
	return p, nil
}

// nodeLines maps config field paths to the talconfig lines of the fields
// node i is rendered from: its own, else its role group's, else the
// cluster-wide ones; anything else points at the node's entry.
func nodeLines(root *yaml.Node, i int, controlPlane bool) map[string]int {
	keyLine := func(m *yaml.Node, key string) int {
		if k, _ := pair(m, key); k != nil {
			return k.Line
		}
		return 0
	}
	nodes := child(root, "nodes")
	if nodes == nil || nodes.Kind != yaml.SequenceNode || i >= len(nodes.Content) {
		return nil
	}
	node := nodes.Content[i]
	group := child(root, "worker")
	if controlPlane {
		group = child(root, "controlPlane")
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
