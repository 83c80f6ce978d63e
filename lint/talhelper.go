package lint

import (
	"bytes"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/lint/input/talhelper"
	"github.com/tailos/tailos/rules"
)

// talhelper renders each node of a talconfig.yaml as `talhelper genconfig`
// does: generated base, the node's fields, then the global, role and node
// patches. A patch that is missing or does not load or apply is left out
// and named in the unit's Skipped: the node is checked in part.
func (l *Loader) talhelper(file string, data []byte, root *yaml.Node) ([]Unit, error) {
	c, err := talhelper.Read(file, data, root, l.Env)
	for _, n := range c.Notes {
		l.note(n)
	}
	if err != nil {
		return nil, &InputError{File: file, Err: err}
	}
	var units []Unit
	for _, n := range c.Nodes {
		base, err := l.generated(c.Version, c.Cluster, c.Endpoint, n.Role)
		if err != nil {
			return nil, &InputError{File: file, Err: err}
		}
		facts := rules.LoadFacts{Tool: "talhelper", TailscaleDocs: n.TailscaleServices}
		var skipped []string
		srcs := []Source{{File: file, Data: data}}
		np, err := configpatcher.LoadPatch(n.Fields)
		if err != nil {
			return nil, &InputError{File: file, Err: fmt.Errorf("node %s: %w", n.Name, err)}
		}
		// talhelper applies the node's own fields first, then patches.
		patches := []configpatcher.Patch{np}
		for _, tp := range n.Patches {
			if tp.Skipped != "" {
				skipped = append(skipped, tp.Skipped)
				continue
			}
			if tp.File != "" {
				facts.Templated = append(facts.Templated, tp.Templated...)
				srcs = append(srcs, Source{File: tp.File, Data: tp.Data})
			}
			// talhelper's envsubst turns the escape $$ into $ ($$patch: delete).
			patch := bytes.ReplaceAll(tp.Data, []byte("$$"), []byte("$"))
			docs, _ := parseDocs(patch) // nil for a JSON patch
			tsDocs := tailscaleDocs(docs)
			clean, invalid := stripInvalid(patch, docs)
			p, err := configpatcher.LoadPatch(clean)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: node %s: patch skipped: %v", file, n.Name, err))
				continue
			}
			facts.Invalid = append(facts.Invalid, invalid...)
			facts.TailscaleDocs += tsDocs
			patches = append(patches, p)
		}
		cfg := applyEach(base, patches, func(err error) {
			skipped = append(skipped, fmt.Sprintf("%s: node %s: patch skipped: %v", file, n.Name, err))
		})
		units = append(units, Unit{File: file, Node: n.Name, Source: data, Config: cfg, Kind: "talhelper", Schematics: n.Schematics,
			TalosVersion: talosVersion(c.TalosVersion), Load: facts, Sources: srcs, Lines: n.Lines, Skipped: skipped})
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
