// Package topf reads a topf.yaml (github.com/postfinance/topf) into the
// nodes it renders, with their installer images and patches in topf's
// order, for the linter to render and check.
package topf

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/schematic"
)

// topf.yaml as postfinance/topf 2a60138 defines it (pkg/config, docs/
// configuration.md); patches live in all/, <role>/ and node/<host>/ under
// patchesDir (docs/configuration-model.md).
type config struct {
	ClusterName       string         `yaml:"clusterName"`
	ClusterEndpoint   string         `yaml:"clusterEndpoint"`
	KubernetesVersion string         `yaml:"kubernetesVersion"`
	TalosVersion      string         `yaml:"talosVersion"`
	SchematicID       string         `yaml:"schematicId"`
	Factory           string         `yaml:"factory"`
	Platform          string         `yaml:"platform"`
	SecureBoot        bool           `yaml:"secureboot"`
	PatchesDir        string         `yaml:"patchesDir"`
	Data              map[string]any `yaml:"data"`
	Nodes             []node         `yaml:"nodes"`
}

type node struct {
	Host         string         `yaml:"host"`
	IP           string         `yaml:"ip"`
	Role         string         `yaml:"role"`
	Data         map[string]any `yaml:"data"`
	TalosVersion string         `yaml:"talosVersion"`
	SchematicID  string         `yaml:"schematicId"`
	Factory      string         `yaml:"factory"`
	Platform     string         `yaml:"platform"`
	SecureBoot   bool           `yaml:"secureboot"`
}

// topf's defaults (internal/topf/node.go, internal/topf/topf.go).
const (
	topfFactory  = imagefactory.DefaultHost
	topfPlatform = "metal"
)

// Is recognises a topf.yaml: by name, or by the keys only topf uses.
func Is(file string, d *yaml.Node) bool {
	base := filepath.Base(file)
	if (base == "topf.yaml" || base == "topf.yml") && input.Child(d, "nodes") != nil {
		return true
	}
	return input.Child(d, "clusterEndpoint") != nil && input.Child(d, "kubernetesVersion") != nil && input.Child(d, "nodes") != nil
}

var topfPatchName = regexp.MustCompile(`.*\.ya?ml(\.tpl)?$`)

// Read describes each node of a topf.yaml as `topf render` does
// (internal/topf/nodes.go generateNodeConfig): the installer image
// <factory>/<platform>-installer[-secureboot]/<schematic>:v<talosVersion>,
// then the patches of all/, the role's folder and node/<host>/, each in
// lexicographical order. *.tpl patches are Go templates with sprig's
// functions; `env` answers from --env values only (unset is "", as topf
// sees an unset variable). SOPS-encrypted patches are skipped.
//
// env holds the values ${VAR} and `env` take. Errors do not name file: the
// caller does.
func Read(file string, data []byte, root *yaml.Node, env map[string]string) (input.Project, error) {
	r := &reader{env: env}
	nodes, version, tc, err := r.read(file, root)
	p := input.Project{Tool: "topf", Data: data, Version: version, Cluster: tc.ClusterName, Endpoint: tc.ClusterEndpoint, Nodes: nodes, Notes: r.notes}
	return p, err
}

type reader struct {
	env   map[string]string
	notes []string
}

func (r *reader) note(s string) { r.notes = append(r.notes, s) }

func (r *reader) read(file string, root *yaml.Node) ([]input.Node, string, config, error) {
	input.ResolveAliases(root)
	var tc config
	if err := root.Decode(&tc); err != nil {
		return nil, "", tc, fmt.Errorf("topf config: %w", err)
	}
	dir := filepath.Dir(file)
	patchesDir := dir
	if tc.PatchesDir != "" {
		patchesDir = tc.PatchesDir
		if !filepath.IsAbs(patchesDir) {
			patchesDir = filepath.Join(dir, patchesDir)
		}
	}
	nodesNode := input.Child(root, "nodes")
	var nodes []input.Node
	version := ""
	for i, n := range tc.Nodes {
		role := machine.TypeWorker
		switch n.Role {
		case "control-plane":
			role = machine.TypeControlPlane
		case "worker":
		default:
			return nil, "", tc, fmt.Errorf("nodes[%d] %s: role must be control-plane or worker, got %q", i, n.Host, n.Role)
		}
		talosVer := strings.TrimPrefix(cmp.Or(n.TalosVersion, tc.TalosVersion), "v")
		if talosVer != "" {
			talosVer = "v" + talosVer
			version = cmp.Or(version, talosVer)
		}
		ctx := map[string]any{
			"ClusterName": tc.ClusterName, "ClusterEndpoint": tc.ClusterEndpoint, "KubernetesVersion": tc.KubernetesVersion,
			"TalosVersion": tc.TalosVersion, "SchematicID": cmp.Or(n.SchematicID, tc.SchematicID), "Data": orEmpty(tc.Data),
			"Node": map[string]any{"Host": n.Host, "IP": n.IP, "Role": n.Role, "Data": orEmpty(n.Data),
				"TalosVersion": n.TalosVersion, "SchematicID": n.SchematicID, "Factory": n.Factory, "Platform": n.Platform, "SecureBoot": n.SecureBoot},
		}
		pn := input.Node{Name: n.Host, Role: role, Lines: map[string]int{}, Schematics: map[string][]string{}}
		nodeYAML := input.NodeAt(nodesNode, i)
		sch := cmp.Or(n.SchematicID, tc.SchematicID)
		schLine := 0
		if k, _ := input.Pair(nodeYAML, "schematicId"); k != nil {
			schLine = k.Line
		} else if k, _ := input.Pair(root, "schematicId"); k != nil {
			schLine = k.Line
		}
		if strings.HasPrefix(sch, "@") {
			id, exts, err := r.schematic(filepath.Join(dir, strings.TrimPrefix(sch, "@")), ctx)
			if err != nil {
				return nil, "", tc, fmt.Errorf("node %s: schematicId %s: %w", n.Host, sch, err)
			}
			sch = id
			pn.Schematics[id] = exts
		}
		if sch == "" {
			sch = imagefactory.EmptySchematicID // topf's default: the empty schematic
		}
		tag := cmp.Or(talosVer, input.StandInVersion)
		pn.Image = imagefactory.InstallerImage(cmp.Or(n.Factory, tc.Factory, topfFactory), cmp.Or(n.Platform, tc.Platform, topfPlatform), sch, tag, n.SecureBoot || tc.SecureBoot)
		pn.Lines["machine.install.image"] = cmp.Or(schLine, input.Line(nodeYAML))
		pn.Lines["machine"], pn.Lines["cluster"] = input.Line(nodeYAML), input.Line(nodeYAML)
		for _, folder := range []string{"all", n.Role, filepath.Join("node", n.Host)} {
			srcs, err := r.folder(filepath.Join(patchesDir, folder), ctx)
			if err != nil {
				return nil, "", tc, fmt.Errorf("node %s: %w", n.Host, err)
			}
			pn.Patches = append(pn.Patches, srcs...)
		}
		nodes = append(nodes, pn)
	}
	return nodes, version, tc, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// topfFolder reads a patch folder (recursively, sorted by path); a
// missing folder has no patches.
func (r *reader) folder(folder string, ctx map[string]any) ([]input.Source, error) {
	var files []string
	err := filepath.WalkDir(folder, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && topfPatchName.MatchString(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []input.Source
	for _, f := range files {
		b, err := r.readFile(f, ctx)
		if err != nil {
			r.note(fmt.Sprintf("%s: %v, skipped", f, err))
			continue
		}
		if isEmptyPatch(b) {
			continue
		}
		if d, err := input.ParseDocs(b); err == nil && len(d) > 0 && input.Child(d[0], "sops") != nil {
			r.note(fmt.Sprintf("%s: SOPS-encrypted patch not decrypted, skipped (check the decrypted file)", f))
			continue
		}
		out = append(out, input.Source{File: f, Data: b})
	}
	return out, nil
}

// topfRead returns a patch file's content, rendering *.tpl templates.
func (r *reader) readFile(file string, ctx map[string]any) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(file, ".tpl") {
		return b, nil
	}
	funcs := sprig.TxtFuncMap()
	// Values come from --env only: the linter never reads its own
	// process environment into a user's config. An unset variable stays
	// a ${VAR} reference, which no rule judges (TS038 reports it).
	lookup := func(k string) string {
		if v, ok := r.env[k]; ok {
			return v
		}
		return "${" + k + "}"
	}
	funcs["env"] = lookup
	funcs["expandenv"] = func(s string) string { return os.Expand(s, lookup) }
	t, err := template.New(filepath.Base(file)).Funcs(funcs).Option("missingkey=error").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, ctx); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return buf.Bytes(), nil
}

// topfSchematic computes the ID of a schematic file (rendered first when
// it is a template), as topf's resolver does locally.
func (r *reader) schematic(file string, ctx map[string]any) (string, []string, error) {
	b, err := r.readFile(file, ctx)
	if err != nil {
		return "", nil, err
	}
	s, err := schematic.Parse(b)
	if err != nil {
		return "", nil, err
	}
	id, err := s.ID()
	return id, s.Extensions(), err
}

// isEmptyPatch: topf skips patches that are only comments, whitespace,
// {}, [] or null.
func isEmptyPatch(b []byte) bool {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			lines = append(lines, t)
		}
	}
	s := strings.Join(lines, "")
	return s == "" || s == "{}" || s == "[]" || s == "null"
}
