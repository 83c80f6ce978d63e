package deptest

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the module whose packages Layers places.
const Module = "github.com/tailos/tailos"

// Layers are the module's packages, lowest first, by path below Module. A
// package may import packages of its own layer or of lower ones.
var Layers = [][]string{
	// Domain facts, each with one home; they import only one another.
	{"facts", "facts/containerboot", "facts/imagefactory", "facts/tailnetip", "facts/tailscaleext", "facts/yamlerr"},
	// Leaves: facts and helpers that know nothing of tailos's pipeline.
	{"internal/iostreams", "internal/userfile", "internal/yamlprune", "internal/ocibuild",
		"internal/flock", "internal/gobuild", "internal/netns", "internal/netns/netnstest", "internal/tcpsyn", "secret", "mtu", "render", "talosconf", "talosapi",
		"tailnet", "extension/mssclamp", "schematic/factorytest", "lab/talosnode", "action", "internal/deptest"},
	// Domain packages over the leaves.
	{"schematic", "extension"},
	{"spec"},
	{"plan"},
	{"rules"},
	// Input readers of other tools' files, beside the linter that uses them.
	{"lint/input"},
	{"lint/input/talhelper", "lint/input/talstomize", "lint/input/topf"},
	{"lint", "report"},
	{"gen", "lab"},
	{"doctor", "rollout", "release", "version", "lab/labtest"},
	// The CLI: flags, I/O and exit codes over the library.
	{"internal/cli"},
	// Programs.
	{"cmd/tailos", "cmd/release", "extension/mssclamp/cmd/tailos-mssclamp"},
}

// cli is the package only programs may import.
const cli = "internal/cli"

// Check returns the layering violations in imports (package → the module
// packages it imports, all by path below Module), sorted.
func Check(imports map[string][]string) []string {
	layer := map[string]int{}
	for i, ps := range Layers {
		for _, p := range ps {
			layer[p] = i
		}
	}
	var bad []string
	for p, deps := range imports {
		lp, ok := layer[p]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s has no layer: add it to deptest.Layers", p))
			continue
		}
		for _, d := range deps {
			if d == cli && !strings.HasPrefix(p, "cmd/") {
				bad = append(bad, fmt.Sprintf("%s imports %s: only programs (cmd/...) may", p, cli))
				continue
			}
			ld, ok := layer[d]
			if !ok {
				continue // reported as its own package
			}
			if ld > lp {
				bad = append(bad, fmt.Sprintf("%s (layer %d) imports %s (layer %d, higher)", p, lp, d, ld))
			}
		}
	}
	sort.Strings(bad)
	return bad
}
