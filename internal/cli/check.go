package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/schematic"
)

// CheckOptions are the flags and arguments of `tailos check`.
type CheckOptions struct {
	IO        *iostreams.IOStreams
	Version   string
	LookupEnv func(string) (string, bool)

	Paths         []string
	Mode          string
	Base          string
	Output        string
	Explain       string
	Fix           string
	Force         bool
	TailnetDomain string
	Schematics    []string
	EnvFiles      []string
	Store         string
	Merge         bool

	// Linter configuration: rules to skip or bring back, severity
	// overrides (ID=level), and the settings file (default: .tailos.yaml
	// in the working directory or a parent).
	Disable    []string
	Enable     []string
	Severities []string
	Config     string
	ListRules  bool

	// holdInputs overrides holdInputs (tests).
	holdInputs int
}

// NewCmdCheck builds `tailos check`.
func NewCmdCheck(f *Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO, Version: f.Version, LookupEnv: f.LookupEnv}
	cmd := &cobra.Command{
		Use:   "check [flags] PATH...",
		Short: "Lint Talos machine configs and patches for Tailscale traps",
		Long: `Check Talos machine configs, patches (strategic merge or JSON6902), directories
of them and talhelper talconfig.yaml files for every known Tailscale-on-Talos
trap. Patches are applied to --base, or to a generated stand-in base.

The deployment mode (management or cluster-network) is inferred from kubelet
validSubnets and etcd advertisedSubnets unless --mode is given; rules that
invert between the modes follow it.

Each input is reported with a status: checked, partial (a talhelper patch
could not be applied), unchecked (the file could not be loaded; the other
files are still checked) or ignored (an Image Factory schematic met in a
directory).

Exit status: 0 no error findings, 1 error findings, 2 bad input or usage, or
an input that could not be checked (in full).`,
		Example: `  tailos check controlplane.yaml
  tailos check --base controlplane.yaml patches/
  tailos check -o sarif talconfig.yaml > tailos.sarif
  tailos check --fix fix.yaml node.yaml; talosctl -n NODE patch machineconfig --patch @fix.yaml
  tailos check --explain TS050
  tailos check --list-rules -o json
  tailos check --disable TS141 --severity TS120=error configs/

Inline suppressions: a comment "# tailos:ignore TS040 reason" on the
finding's line or the comment lines above it silences that rule there; the
finding is reported as suppressed (SARIF "suppressions") and does not count
towards the exit status. A .tailos.yaml in the working directory or a
parent (up to the repository root), or --config FILE, can hold:

  check:
    disable: [TS141]
    severity: {TS120: error}`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if opts.Explain == "" && !opts.ListRules && len(args) == 0 {
				return BadInput(errors.New("check: give at least one PATH (file or directory), --explain RULE or --list-rules"))
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Mode, "mode", "", "deployment mode: management or cluster-network (default: inferred)")
	fl.StringVar(&opts.Base, "base", "", "machine config that patches are applied to")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text, json or sarif")
	fl.StringVar(&opts.Explain, "explain", "", "print the documentation of a rule (e.g. TS050) and exit")
	fl.StringVar(&opts.Fix, "fix", "", "write a strategic-merge patch fixing the fixable findings to `FILE`")
	fl.BoolVar(&opts.Force, "force", false, "let --fix overwrite an existing file")
	fl.StringVar(&opts.TailnetDomain, "tailnet-domain", "", "MagicDNS suffix of the tailnet (e.g. tail1234.ts.net), to check certSANs")
	fl.StringArrayVar(&opts.Schematics, "schematic", nil, "Image Factory schematic `FILE` the install images may use (repeatable)")
	fl.StringArrayVar(&opts.EnvFiles, "env", nil, "values for ${VAR} placeholders: talenv-style YAML (KEY: value) or dotenv `FILE` (repeatable); unset ones are reported, never guessed")
	fl.BoolVar(&opts.Merge, "merge", false, "apply all patch files, in order, to one base and check them as one node (like repeated talosctl --config-patch)")
	fl.StringSliceVar(&opts.Disable, "disable", nil, "rules not to run (`ID,...`)")
	fl.StringSliceVar(&opts.Enable, "enable", nil, "rules to run even if the settings file disables them (`ID,...`)")
	fl.StringArrayVar(&opts.Severities, "severity", nil, "override a rule's severity: `ID=error|warning|info` (repeatable)")
	fl.StringVar(&opts.Config, "config", "", "linter settings `FILE` (default: .tailos.yaml in the working directory or a parent)")
	fl.BoolVar(&opts.ListRules, "list-rules", false, "list the rules (ID, severity, topic, title) and exit; -o json for scripts")
	fl.StringVar(&opts.Store, "store", "", "schematic store `DIR` of `tailos schematic new` (default $XDG_CONFIG_HOME/tailos/schematics)")
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if opts.Explain != "" {
		r, ok := rules.Lookup(opts.Explain)
		if !ok {
			return BadInput(fmt.Errorf("check --explain: no rule %q (rules are TS001…; see docs/rules.md)", opts.Explain))
		}
		return report.Explain(opts.IO.Out, r)
	}
	if !slices.Contains([]string{"text", "json", "sarif"}, opts.Output) {
		return BadInput(fmt.Errorf("check: --output %q: want text, json or sarif", opts.Output))
	}
	if opts.ListRules {
		if opts.Output == "json" {
			return report.RulesJSON(opts.IO.Out)
		}
		return report.RulesText(opts.IO.Out)
	}
	settings, err := checkSettings(opts)
	if err != nil {
		return BadInput(err)
	}
	var mode rules.Mode
	if opts.Mode != "" {
		m, err := rules.ParseMode(opts.Mode)
		if err != nil {
			return BadInput(fmt.Errorf("check --mode: %w", err))
		}
		mode = m
	}
	if opts.Fix != "" && !opts.Force {
		if _, err := os.Stat(opts.Fix); err == nil {
			return BadInput(fmt.Errorf("check --fix: %s exists; use --force to overwrite it", opts.Fix))
		}
	}
	req := lint.Request{
		Paths: opts.Paths, Merge: opts.Merge, Mode: mode, BaseFile: opts.Base,
		EnvFiles: opts.EnvFiles, SchematicFiles: opts.Schematics, StoreDir: storeDir(opts),
		TailnetDomain: opts.TailnetDomain, Settings: settings, Fix: opts.Fix != "",
	}
	progress := opts.IO.Progress()
	req.Progress = func(s string) { progress.Step("%s", s) }
	return checkStream(ctx, opts, req)
}

// checkStream runs req, printing each input's report as soon as it is
// checked, so that a fleet's report is never held whole.
func checkStream(ctx context.Context, opts *CheckOptions, req lint.Request) error {
	var p report.Printer
	switch opts.Output {
	case "json":
		p = report.NewJSON(opts.IO.Out)
	case "sarif":
		p = report.NewSARIF(opts.IO.Out, opts.Version)
	default:
		p = report.NewText(opts.IO.Out, opts.IO.ColorEnabled())
	}
	var sum report.Summary
	var unfinished []report.Input
	var printErr error
	// A run of up to holdInputs inputs is printed at its end, each node's
	// cross-node findings with its own; a larger one streams, and those
	// findings follow every input.
	hold := &heldInputs{max: opts.holdInputs, p: p}
	if hold.max == 0 {
		hold.max = holdInputs
	}
	tail, err := lint.Stream(ctx, req, func(in report.Input, fs []rules.Finding) error {
		for j, pr := range in.Problems {
			in.Problems[j] = clip(pr)
		}
		sum.AddInput(&in)
		for _, f := range fs {
			sum.AddFinding(f)
		}
		if in.Status == report.StatusUnchecked || in.Status == report.StatusPartial {
			unfinished = append(unfinished, in)
		}
		printErr = hold.input(in, fs)
		return printErr
	})
	if err != nil {
		var re *lint.RequestError
		switch {
		case errors.As(err, &re):
			return BadInput(requestError(re))
		case printErr != nil:
			return fmt.Errorf("check: writing report: %w", err)
		}
		return err
	}
	var cross []rules.Finding
	for _, c := range tail.Cross {
		for _, f := range c.Findings {
			sum.AddFinding(f)
		}
		if !hold.join(c) {
			cross = append(cross, c.Findings...)
		}
	}
	if err := hold.flush(); err != nil {
		return fmt.Errorf("check: writing report: %w", err)
	}
	if opts.Fix != "" {
		if err := writeFix(opts, tail.Fixes); err != nil {
			return err
		}
	}
	if err := p.Finish(cross, tail.Notes, sum); err != nil {
		return fmt.Errorf("check: writing report: %w", err)
	}
	if len(unfinished) > 0 {
		// Could not check is not clean: it outranks findings.
		return &ExitError{Code: ExitBadInput, Err: incomplete(unfinished)}
	}
	if sum.Errors > 0 {
		return Findings()
	}
	return nil
}

// holdInputs is how many inputs a check run holds before it streams its
// report: more than most clusters have nodes.
const holdInputs = 100

// heldInputs holds a run's first inputs until the run ends or they are
// more than max; then they, and all after them, go straight to p.
type heldInputs struct {
	max      int
	p        report.Printer
	inputs   []report.Input
	findings [][]rules.Finding
	through  bool
}

func (h *heldInputs) input(in report.Input, fs []rules.Finding) error {
	if h.through {
		return h.p.Input(in, fs)
	}
	h.inputs = append(h.inputs, in)
	h.findings = append(h.findings, fs)
	if len(h.inputs) > h.max {
		return h.flush()
	}
	return nil
}

// join adds cross-node findings to their input if it is still held.
func (h *heldInputs) join(c lint.Crossed) bool {
	if h.through || c.Input >= len(h.inputs) {
		return false
	}
	h.findings[c.Input] = c.Join(h.findings[c.Input])
	return true
}

// flush prints what is held; from then on inputs are printed as they come.
func (h *heldInputs) flush() error {
	h.through = true
	for i, in := range h.inputs {
		if err := h.p.Input(in, h.findings[i]); err != nil {
			return err
		}
	}
	h.inputs, h.findings = nil, nil
	return nil
}

// incomplete names every input that was not checked in full.
func incomplete(inputs []report.Input) error {
	var lines []string
	for _, in := range inputs {
		if in.Status != report.StatusUnchecked && in.Status != report.StatusPartial {
			continue
		}
		head := in.File
		if in.Node != "" {
			head += " (node " + in.Node + ")"
		}
		if in.Status == report.StatusPartial {
			// One line per missing part: a node can miss many patches.
			lines = append(lines, head+": checked in part, without:")
			for _, p := range in.Problems {
				lines = append(lines, "  "+p)
			}
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: %s", head, strings.Join(in.Problems, "; ")))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// writeFix writes the fix patch atomically (0600: it can carry the
// environment, keys included). One patch must fit every configuration.
func writeFix(opts *CheckOptions, fixes [][]byte) error {
	if len(fixes) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "check --fix: nothing to fix automatically; %s not written\n", opts.Fix)
		return nil
	}
	for _, f := range fixes[1:] {
		if !bytes.Equal(f, fixes[0]) {
			return BadInput(fmt.Errorf("check --fix: the %d configurations need different fixes; check them one at a time", len(fixes)))
		}
	}
	if err := render.WriteFileAtomic(opts.Fix, fixes[0], true); err != nil {
		return fmt.Errorf("check --fix: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s: apply it with talosctl patch machineconfig --patch @%s (or as one more --config-patch)\n", opts.Fix, opts.Fix)
	return nil
}

// requestError says which flag a Request field came from.
func requestError(e *lint.RequestError) error {
	flag, ok := map[string]string{"BaseFile": "--base", "EnvFiles": "--env", "SchematicFiles": "--schematic"}[e.Field]
	if !ok {
		return e.Err
	}
	if e.File != "" {
		return fmt.Errorf("check %s %s: %w", flag, e.File, e.Err)
	}
	return fmt.Errorf("check %s: %w", flag, e.Err)
}

// storeDir is --store, else the default store of `tailos schematic new`;
// "" when neither is known.
func storeDir(opts *CheckOptions) string {
	if opts.Store != "" || opts.LookupEnv == nil {
		return opts.Store
	}
	d, err := schematic.DefaultStoreDir(opts.LookupEnv)
	if err != nil {
		return ""
	}
	return d
}

// checkSettings combines the settings file with the command line.
func checkSettings(opts *CheckOptions) (lint.Settings, error) {
	var file lint.Settings
	path := opts.Config
	if path == "" {
		if wd, err := os.Getwd(); err == nil {
			path = lint.FindSettings(wd)
		}
	}
	if path != "" {
		s, err := lint.LoadSettings(path)
		if err != nil {
			return lint.Settings{}, fmt.Errorf("check settings: %w", err)
		}
		file = s
	}
	var cli lint.Settings
	for _, list := range []struct {
		flag string
		in   []string
		out  *[]string
	}{{"--disable", opts.Disable, &cli.Disable}, {"--enable", opts.Enable, &cli.Enable}} {
		for _, v := range list.in {
			ids, err := lint.ParseRuleList(v)
			if err != nil {
				return lint.Settings{}, fmt.Errorf("check %s: %w", list.flag, err)
			}
			*list.out = append(*list.out, ids...)
		}
	}
	for _, kv := range opts.Severities {
		id, level, ok := strings.Cut(kv, "=")
		if !ok {
			return lint.Settings{}, fmt.Errorf("check --severity %q: want ID=error|warning|info", kv)
		}
		ids, err := lint.ParseRuleList(id)
		if err != nil || len(ids) != 1 {
			return lint.Settings{}, fmt.Errorf("check --severity %q: no rule %q", kv, id)
		}
		sev, err := lint.ParseSeverity(level)
		if err != nil {
			return lint.Settings{}, fmt.Errorf("check --severity %q: %w", kv, err)
		}
		if cli.Severity == nil {
			cli.Severity = map[string]rules.Severity{}
		}
		cli.Severity[ids[0]] = sev
	}
	return file.Override(cli), nil
}
