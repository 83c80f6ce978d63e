package cli

import (
	"github.com/siderolabs/talos/pkg/machinery/config"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/gen"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/rules"
)

// genLint runs the check rule catalogue over a node's verified config, so
// gen proves its output against the same rules users run on theirs.
func genLint(cfg config.Provider, in gen.LintInput) []gen.Finding {
	var installers map[string][]string
	if in.TailosInstaller != "" {
		installers = map[string][]string{in.TailosInstaller: append([]string{tailscaleext.TailosName}, in.Extensions...)}
	}
	fs := lint.CheckConfig(cfg, lint.Options{
		Mode:          rules.Mode(in.Mode),
		Node:          in.Node,
		TailnetDomain: in.TailnetDomain,
		Schematics:    map[string][]string{in.SchematicID: in.Extensions},
		Installers:    installers,
	})
	out := make([]gen.Finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, gen.Finding{Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message})
	}
	return out
}
