package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosconf"
)

// projectNode is one node of a configuration tool's project (topf,
// talstomize), ready to render the way the tool does: a generated base for
// the role, then the patches in the tool's order.
type projectNode struct {
	Name     string
	Role     machine.Type
	Image    string // install image the tool sets, "" for none
	Hostname string // hostname the tool sets implicitly, "" for none
	Patches  []Source
	// Lines maps config field paths to project-file lines (the image).
	Lines map[string]int
	// Schematics the project defines for this node (ID → extensions).
	Schematics map[string][]string
	// Templated are environment keys the patches take from ${VAR}
	// references filled in from the environment.
	Templated []string
}

// projectUnits renders the nodes of a project file. Patches that do not
// load or apply are noted and skipped, as talhelper trees are.
func (l *Loader) projectUnits(tool, file string, data []byte, version, cluster, endpoint string, nodes []projectNode) ([]Unit, error) {
	baseVersion := version
	if _, err := talosconf.Contract(baseVersion); err != nil {
		if version != "" {
			l.note(fmt.Sprintf("%s: Talos version %q not supported, using %s for the base config", file, version, standInVersion))
		}
		baseVersion = standInVersion
	}
	if endpoint == "" || rules.Unresolved(endpoint) || !strings.HasPrefix(endpoint, "https://") {
		endpoint = "https://192.0.2.1:6443"
	}
	if cluster == "" || rules.Unresolved(cluster) {
		cluster = tool
	}
	var units []Unit
	for _, n := range nodes {
		base, err := l.generated(baseVersion, cluster, endpoint, n.Role)
		if err != nil {
			return nil, &InputError{File: file, Err: err}
		}
		facts := rules.LoadFacts{Tool: tool, Templated: slices.Clone(n.Templated)}
		srcs := []Source{{File: file, Data: data}}
		var patches []configpatcher.Patch
		var implicit []string
		if n.Hostname != "" {
			implicit = append(implicit, "machine:\n  network:\n    hostname: "+n.Hostname+"\n")
		}
		if n.Image != "" {
			implicit = append(implicit, "machine:\n  install:\n    image: "+n.Image+"\n")
		}
		for _, p := range implicit {
			lp, err := configpatcher.LoadPatch([]byte(p))
			if err != nil {
				return nil, &InputError{File: file, Err: fmt.Errorf("node %s: %w", n.Name, err)}
			}
			patches = append(patches, lp)
		}
		for _, src := range n.Patches {
			docs, _ := parseDocs(src.Data)
			tsDocs := tailscaleDocs(docs)
			clean, invalid := stripInvalid(src.Data, docs)
			p, err := configpatcher.LoadPatch(clean)
			for range 3 {
				retry, dropped := dropTemplated(clean, err)
				if retry == nil {
					break
				}
				l.noteDropped(src.File, dropped)
				clean = retry
				p, err = configpatcher.LoadPatch(clean)
			}
			if err != nil {
				l.note(fmt.Sprintf("%s: node %s: patch %s skipped: %v", file, n.Name, src.File, err))
				continue
			}
			facts.Invalid = append(facts.Invalid, invalid...)
			facts.TailscaleDocs += tsDocs
			facts.Templated = append(facts.Templated, templatedEnvKeys(src.Data)...)
			patches = append(patches, p)
			srcs = append(srcs, src)
		}
		cfg := base
		for _, p := range patches {
			out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), []configpatcher.Patch{p})
			if err == nil {
				next, cerr := out.Config()
				if cerr == nil {
					cfg = next
					continue
				}
				err = cerr
			}
			l.note(fmt.Sprintf("%s: node %s: patch skipped: %v", file, n.Name, err))
		}
		units = append(units, Unit{File: file, Node: n.Name, Source: data, Config: cfg, Kind: tool, Schematics: n.Schematics,
			TalosVersion: talosVersion(version), Load: facts, Sources: srcs, Lines: n.Lines})
	}
	return units, nil
}

// inlineSource cuts an inline patch (a YAML node inside a project file)
// out of the file with its lines kept where they are: other lines are
// blanked and the node is dedented, so findings in it get the project
// file's line numbers.
func inlineSource(file string, data []byte, n *yaml.Node) Source {
	lines := strings.Split(string(data), "\n")
	first, last := n.Line, lastLine(n)
	// A block scalar's content ends where the next less-indented line
	// starts; take the following lines that are indented deeper.
	indent := n.Column - 1
	for last < len(lines) {
		next := lines[last]
		if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= indent && last+1 > first {
			break
		}
		last++
	}
	out := make([]string, len(lines))
	for i := first - 1; i < last && i < len(lines); i++ {
		l := lines[i]
		if i == first-1 {
			if indent < len(l) {
				l = l[indent:]
			}
		} else if len(l) >= indent && strings.TrimSpace(l[:indent]) == "" {
			l = l[indent:]
		}
		out[i] = l
	}
	if n.Kind == yaml.ScalarNode {
		// An inline string patch: its content starts on the next line.
		out[first-1] = ""
	}
	return Source{File: file, Data: []byte(strings.Join(out, "\n"))}
}

func lastLine(n *yaml.Node) int {
	m := n.Line
	for _, c := range n.Content {
		if l := lastLine(c); l > m {
			m = l
		}
	}
	return m
}
