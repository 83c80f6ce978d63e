package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"

	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosconf"
)

// projectUnits renders the nodes of a project file. Patches that do not
// load or apply are noted and skipped, as talhelper trees are.
func (l *Loader) projectUnits(file string, p input.Project) ([]Unit, error) {
	tool, data, version, cluster, endpoint := p.Tool, p.Data, p.Version, p.Cluster, p.Endpoint
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
	for _, n := range p.Nodes {
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
		cfg := applyEach(base, patches, func(err error) {
			l.note(fmt.Sprintf("%s: node %s: patch skipped: %v", file, n.Name, err))
		})
		units = append(units, Unit{File: file, Node: n.Name, Source: data, Config: cfg, Kind: tool, Schematics: n.Schematics,
			TalosVersion: talosVersion(version), Load: facts, Sources: srcs, Lines: n.Lines})
	}
	return units, nil
}

// applyEach applies patches to base in order, as the tools do; a patch that
// does not apply is skipped and handed to skip, and the rest still apply.
func applyEach(base config.Provider, patches []configpatcher.Patch, skip func(error)) config.Provider {
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
		skip(err)
	}
	return cfg
}

// project reads a tool's project file with its reader and renders it.
func (l *Loader) project(file string, read func() (input.Project, error)) ([]Unit, error) {
	p, err := read()
	for _, n := range p.Notes {
		l.note(n)
	}
	if err != nil {
		return nil, &InputError{File: file, Err: err}
	}
	return l.projectUnits(file, p)
}
