// Package lint loads Talos machine configs, patches and talhelper trees,
// builds the model the rules package checks, runs the rule catalogue and
// attributes findings to file lines. It also turns fixable findings into a
// strategic-merge patch.
package lint

import (
	"strconv"

	"github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/rules"
)

// Options tell CheckConfig about the config it checks.
type Options struct {
	// Mode forces the deployment mode; empty infers it from the config.
	Mode rules.Mode
	// File and Node label findings.
	File string
	Node string
	// Source is the YAML the config came from, for line numbers (optional).
	Source []byte

	// Partial marks a patch applied to a generated stand-in base: values
	// the patch does not set say nothing about the real node.
	Partial bool
	// TailnetDomain is the MagicDNS suffix (tail1234.ts.net), if known.
	TailnetDomain string
	// Schematics maps known schematic IDs to their official extensions.
	Schematics map[string][]string
	// Installers maps install images that are not Image Factory
	// installers (an imager build) to the extensions they carry;
	// tailscaleext.TailosName names the tailos-built one.
	Installers map[string][]string
	// LookupSchematic, when set, is asked about IDs not in Schematics
	// (e.g. tailos's local schematic store).
	LookupSchematic func(id string) (extensions []string, ok bool)
	// TalosVersion is the target Talos version when known (v1.13.0).
	TalosVersion string
	// Load carries what the loader saw in the input (Unit.Load).
	Load rules.LoadFacts
	// Role is the machine type a partial config's patch states
	// (controlplane, worker), "" when it does not say.
	Role string
}

// CheckConfig runs every rule on cfg and returns the findings, with lines
// resolved against opts.Source and credentials masked. It never returns nil.
func CheckConfig(cfg config.Provider, opts Options) []rules.Finding {
	return Check(BuildModel(cfg, opts), opts.Source)
}

// Check runs the catalogue on a built model.
func Check(m *rules.Config, source []byte) []rules.Finding {
	fs := rules.Run(m)
	var idx *Index
	if len(source) > 0 && len(fs) > 0 {
		idx = NewIndex(source)
	}
	for i := range fs {
		if idx != nil {
			fs[i].Line = idx.Line(fs[i].At)
		}
		fs[i].Message = rules.Mask(fs[i].Message)
	}
	return fs
}

// Source is one file that went into a merged configuration.
type Source = input.Source

// CheckSources runs the catalogue on a configuration merged from several
// patch files and attributes each finding to the last file that states it:
// later patches override fields, and of a duplicated environment variable
// runc keeps the last entry.
func CheckSources(m *rules.Config, sources []Source) []rules.Finding {
	fs := rules.Run(m)
	idx := make([]*Index, len(sources))
	for i := range fs {
		fs[i].Message = rules.Mask(fs[i].Message)
		if len(sources) == 0 {
			continue
		}
		fs[i].File = sources[0].File
		for j := len(sources) - 1; j >= 0; j-- {
			if idx[j] == nil {
				idx[j] = NewIndex(sources[j].Data)
			}
			if l := idx[j].Line(fs[i].At); l > 0 {
				fs[i].File, fs[i].Line = sources[j].File, l
				break
			}
		}
	}
	return fs
}

func itoa(i int) string { return strconv.Itoa(i) }
