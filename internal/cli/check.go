package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/spf13/cobra"

	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/secret"
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
	known, err := loadSchematics(opts.Schematics)
	if err != nil {
		return BadInput(err)
	}
	lookup := storeLookup(opts)
	var base config.Provider
	if opts.Base != "" {
		data, err := userfile.Read(opts.Base, userfile.ConfigLimit)
		if err != nil {
			return BadInput(fmt.Errorf("check --base: %w", err))
		}
		base, err = configloader.NewFromBytes(data)
		if err != nil {
			return BadInput(fmt.Errorf("check --base %s: %s", opts.Base, rules.Mask(err.Error())))
		}
	}
	progress := opts.IO.Progress()
	progress.Step("loading %d path(s)", len(opts.Paths))
	loader := lint.NewLoader(base)
	for _, f := range opts.EnvFiles {
		env, err := lint.ReadEnvFile(f)
		if err != nil {
			return BadInput(fmt.Errorf("check --env: %w", err))
		}
		if loader.Env == nil {
			loader.Env = map[string]string{}
		}
		keys := make([]string, 0, len(env))
		for k, v := range env {
			loader.Env[k] = v
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if kind := rules.SecretKind(env[k]); kind != "" {
				loader.Notes = append(loader.Notes, fmt.Sprintf("%s: %s holds a %s credential in plain text; if this file is committed, encrypt it (SOPS) and revoke the key", f, k, kind))
			}
		}
	}
	var units []lint.Unit
	var mergedSources []lint.Source
	var unchecked []report.Input
	if opts.Merge {
		var u lint.Unit
		u, mergedSources, err = loader.LoadMerged(opts.Paths)
		units = []lint.Unit{u}
	} else {
		// Every file gets a result: one that cannot be loaded is reported
		// as not checked, and the others are still checked.
		var res lint.PathsResult
		res, err = loader.LoadPathsContext(ctx, opts.Paths)
		units = res.Units
		for _, f := range res.Failed {
			unchecked = append(unchecked, report.Input{File: f.File, Status: report.StatusUnchecked, Problems: []string{clip(rules.Mask(f.Err.Error()))}})
		}
		for _, f := range res.Ignored {
			unchecked = append(unchecked, report.Input{File: f.File, Status: report.StatusIgnored, Problems: []string{f.Err.Error()}})
		}
	}
	if err != nil {
		// Loader errors can quote the input; keys stay masked.
		return BadInput(errors.New(rules.Mask(err.Error())))
	}
	progress.Step("checking %d configuration(s)", len(units))

	var inputs []report.Input
	models := make([]*rules.Config, len(units))
	perUnit := make([][]rules.Finding, len(units))
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		schematics := known
		if len(u.Schematics) > 0 {
			schematics = merge(known, u.Schematics)
		}
		m := lint.BuildModel(u.Config, lint.Options{
			Mode: mode, File: u.File, Node: u.Node, Source: u.Source, Partial: u.Partial, LookupSchematic: lookup,
			TailnetDomain: opts.TailnetDomain, Schematics: schematics, TalosVersion: u.TalosVersion, Role: u.Role,
			Load: u.Load,
		})
		models[i] = m
		in := report.Input{File: u.File, Node: m.Node, Kind: u.Kind, Mode: m.Mode, ModeReason: m.ModeReason}
		if len(u.Skipped) > 0 {
			in.Status = report.StatusPartial
			for _, s := range u.Skipped {
				in.Problems = append(in.Problems, clip(rules.Mask(s)))
			}
		}
		for _, p := range m.Unread {
			in.Status = report.StatusPartial
			in.Problems = append(in.Problems, clip(rules.Mask("not read (its rules saw it empty): "+p)))
		}
		if mergedSources != nil {
			perUnit[i] = lint.CheckSources(m, mergedSources)
			for _, s := range mergedSources {
				in.Files = append(in.Files, s.File)
			}
		} else {
			perUnit[i] = lint.CheckUnit(m, u)
			if len(u.Sources) > 1 { // a talhelper, topf or talstomize node built from patch files
				for _, s := range u.Sources {
					if !slices.Contains(in.Files, s.File) {
						in.Files = append(in.Files, s.File)
					}
				}
			}
		}
		inputs = append(inputs, in)
	}
	// Cross-node rules compare the nodes of one input (a talhelper
	// cluster, or the files given together).
	for _, g := range lint.Groups(units) {
		ms := make([]*rules.Config, len(g))
		us := make([]lint.Unit, len(g))
		for j, i := range g {
			ms[j], us[j] = models[i], units[i]
		}
		for j, fs := range lint.CheckNodes(ms, us) {
			i := g[j]
			perUnit[i] = append(perUnit[i], fs...)
			slices.SortStableFunc(perUnit[i], func(a, b rules.Finding) int { return strings.Compare(a.Rule, b.Rule) })
		}
	}
	// Each file's own text, for inline suppressions: a merged unit's
	// Source is all its files together, and an inline talstomize patch's
	// Source holds only its own lines, so the first text seen wins.
	sources := map[string][]byte{}
	for _, s := range mergedSources {
		sources[s.File] = s.Data
	}
	for _, u := range units {
		if _, ok := sources[u.File]; !ok {
			sources[u.File] = u.Source
		}
		for _, s := range u.Sources {
			if _, ok := sources[s.File]; !ok {
				sources[s.File] = s.Data
			}
		}
	}
	for i := range perUnit {
		perUnit[i] = settings.Apply(perUnit[i])
		loader.Notes = append(loader.Notes, lint.Suppress(perUnit[i], func(file string) []byte { return sources[file] })...)
	}
	var findings []rules.Finding
	var fixes [][]byte
	for i, fs := range perUnit {
		findings = append(findings, fs...)
		if opts.Fix != "" {
			fix, err := lint.BuildFix(models[i], slices.DeleteFunc(slices.Clone(fs), func(f rules.Finding) bool { return f.Suppressed != nil }))
			if err != nil {
				return err
			}
			if fix != nil {
				fixes = append(fixes, fix)
			}
		}
	}
	notes := make([]string, len(loader.Notes))
	for i, n := range loader.Notes {
		notes[i] = rules.Mask(n)
	}
	rep := report.New(findings, append(inputs, unchecked...), notes)

	if opts.Fix != "" {
		for i := range fixes {
			fixes[i] = unresolve(fixes[i], loader.Env)
		}
		if err := writeFix(opts, fixes); err != nil {
			return err
		}
	}
	switch opts.Output {
	case "json":
		err = report.JSON(opts.IO.Out, rep)
	case "sarif":
		err = report.SARIF(opts.IO.Out, rep, opts.Version)
	default:
		err = report.Text(opts.IO.Out, rep, opts.IO.ColorEnabled())
	}
	if err != nil {
		return fmt.Errorf("check: writing report: %w", err)
	}
	if rep.Incomplete() {
		// Could not check is not clean: it outranks findings.
		return &ExitError{Code: ExitBadInput, Err: incomplete(rep.Inputs)}
	}
	if rep.Summary.Errors > 0 {
		return Findings()
	}
	return nil
}

// unresolve puts the ${VAR} placeholders back where --env filled in a
// credential: the fix patch belongs next to the templated input, and must
// not carry the key the --env file holds.
func unresolve(fix []byte, env map[string]string) []byte {
	keys := make([]string, 0, len(env))
	for k, v := range env {
		if len(v) >= 8 && (secret.Kind(v) != "" || secretName.MatchString(k)) {
			keys = append(keys, k)
		}
	}
	// Longest value first, so a value inside another is not cut in two.
	slices.SortFunc(keys, func(a, b string) int { return len(env[b]) - len(env[a]) })
	for _, k := range keys {
		fix = bytes.ReplaceAll(fix, []byte(env[k]), []byte("${"+k+"}"))
	}
	return fix
}

var secretName = regexp.MustCompile(`(?i)(KEY|SECRET|TOKEN|PASSWORD)`)

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

// loadSchematics reads schematic files into ID → official extensions.
func loadSchematics(files []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range files {
		data, err := userfile.Read(f, userfile.ConfigLimit)
		if err != nil {
			return nil, fmt.Errorf("check --schematic: %w", err)
		}
		s, err := schematic.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("check --schematic %s: %w", f, err)
		}
		id, err := s.ID()
		if err != nil {
			return nil, fmt.Errorf("check --schematic %s: %w", f, err)
		}
		out[id] = s.Extensions()
	}
	return out, nil
}

// storeLookup answers schematic IDs from tailos's local store; a missing
// store or an unknown ID just leaves the schematic unknown.
func storeLookup(opts *CheckOptions) func(string) ([]string, bool) {
	dir := opts.Store
	if dir == "" && opts.LookupEnv != nil {
		d, err := schematic.DefaultStoreDir(opts.LookupEnv)
		if err != nil {
			return nil
		}
		dir = d
	}
	if dir == "" {
		return nil
	}
	st := schematic.Store{Dir: dir}
	return func(id string) ([]string, bool) {
		s, err := st.Lookup(context.Background(), id)
		if err != nil {
			return nil, false
		}
		return s.Extensions(), true
	}
}

func merge(a, b map[string][]string) map[string][]string {
	out := make(map[string][]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
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
