package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"

	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/schematic"
	"github.com/tailos/tailos/secret"
)

// Request is one check run: what `tailos check` does with its flags and
// arguments, as a Go program states it.
type Request struct {
	// Paths are files and directories (walked for *.yaml and *.yml).
	Paths []string
	// Merge applies every patch file, in order, to one base and checks the
	// result as one node (talosctl's repeated --config-patch).
	Merge bool
	// Mode forces the deployment mode; empty infers it per node.
	Mode rules.Mode

	// Base is the config patches are applied to; BaseFile is read when
	// Base is nil. Neither: a generated stand-in base.
	Base     config.Provider
	BaseFile string

	// Env fills ${VAR} placeholders; EnvFiles (talenv YAML or dotenv) are
	// read in order and override it.
	Env      map[string]string
	EnvFiles []string

	// Schematics maps known schematic IDs to their official extensions;
	// SchematicFiles are Image Factory schematics added to it.
	Schematics     map[string][]string
	SchematicFiles []string
	// StoreDir is a schematic store (schematic.Store) asked about IDs
	// known nowhere else; LookupSchematic, when set, is asked instead.
	StoreDir        string
	LookupSchematic func(id string) (extensions []string, ok bool)

	// TailnetDomain is the MagicDNS suffix (tail1234.ts.net), if known.
	TailnetDomain string
	// Settings disable rules and override severities.
	Settings Settings
	// Fix asks for the strategic-merge patches that fix the fixable
	// findings (Result.Fixes).
	Fix bool
	// Progress, when set, is told each step of a long run.
	Progress func(step string)
}

// Result is what a run found.
type Result struct {
	// Report holds the findings (lines resolved, credentials masked,
	// suppressions marked), every input's status and the notes.
	Report report.Report
	// Fixes are the fix patches of the configurations that have fixable
	// findings (with Request.Fix), ${VAR} placeholders restored where an
	// env value held a credential.
	Fixes [][]byte
}

// RequestError is a Request field that cannot be used: a file it names
// does not read or parse, or a path that does not load with Merge. The
// message never holds a credential.
type RequestError struct {
	Field string // the Request field: BaseFile, EnvFiles, SchematicFiles, Paths
	File  string // the file, when the error does not already name it
	Err   error
}

func (e *RequestError) Error() string {
	if e.File != "" {
		return e.Field + " " + e.File + ": " + e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *RequestError) Unwrap() error { return e.Err }

// Run checks every input of req: it loads the files (configs, patches,
// talhelper, topf and talstomize projects, with ${VAR} substitution),
// builds each node's model, runs the catalogue and the cross-node rules,
// applies settings and inline suppressions and, with req.Fix, builds the
// fix patches. A file that cannot be loaded is reported as unchecked and
// the others are still checked; an error is returned only for a request
// that cannot run at all (*RequestError) or a cancelled ctx.
func Run(ctx context.Context, req Request) (Result, error) {
	step := func(format string, args ...any) {
		if req.Progress != nil {
			req.Progress(fmt.Sprintf(format, args...))
		}
	}
	known, err := readSchematics(req.Schematics, req.SchematicFiles)
	if err != nil {
		return Result{}, err
	}
	base := req.Base
	if base == nil && req.BaseFile != "" {
		data, err := userfile.Read(req.BaseFile, userfile.ConfigLimit)
		if err != nil {
			return Result{}, &RequestError{Field: "BaseFile", Err: err}
		}
		if base, err = configloader.NewFromBytes(data); err != nil {
			return Result{}, &RequestError{Field: "BaseFile", File: req.BaseFile, Err: errors.New(rules.Mask(err.Error()))}
		}
	}
	lookup := req.LookupSchematic
	if lookup == nil && req.StoreDir != "" {
		lookup = storeLookup(ctx, req.StoreDir)
	}
	step("loading %d path(s)", len(req.Paths))
	loader := NewLoader(base)
	if err := loader.addEnv(req.Env, req.EnvFiles); err != nil {
		return Result{}, err
	}

	var units []Unit
	var mergedSources []Source
	var unchecked []report.Input
	if req.Merge {
		var u Unit
		u, mergedSources, err = loader.LoadMerged(req.Paths)
		units = []Unit{u}
	} else {
		// Every file gets a result: one that cannot be loaded is reported
		// as not checked, and the others are still checked.
		var res PathsResult
		res, err = loader.LoadPathsContext(ctx, req.Paths)
		units = res.Units
		for _, f := range res.Failed {
			unchecked = append(unchecked, report.Input{File: f.File, Status: report.StatusUnchecked, Problems: []string{rules.Mask(f.Err.Error())}})
		}
		for _, f := range res.Ignored {
			unchecked = append(unchecked, report.Input{File: f.File, Status: report.StatusIgnored, Problems: []string{f.Err.Error()}})
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, context.Cause(ctx)
		}
		// Loader errors can quote the input; keys stay masked.
		return Result{}, &RequestError{Field: "Paths", Err: errors.New(rules.Mask(err.Error()))}
	}
	step("checking %d configuration(s)", len(units))

	inputs := make([]report.Input, 0, len(units))
	models := make([]*rules.Config, len(units))
	perUnit := make([][]rules.Finding, len(units))
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return Result{}, context.Cause(ctx)
		}
		schematics := known
		if len(u.Schematics) > 0 {
			schematics = mergeSchematics(known, u.Schematics)
		}
		m := BuildModel(u.Config, Options{
			Mode: req.Mode, File: u.File, Node: u.Node, Source: u.Source, Partial: u.Partial, LookupSchematic: lookup,
			TailnetDomain: req.TailnetDomain, Schematics: schematics, TalosVersion: u.TalosVersion, Role: u.Role,
			Load: u.Load,
		})
		models[i] = m
		in := report.Input{File: u.File, Node: m.Node, Kind: u.Kind, Mode: m.Mode, ModeReason: m.ModeReason}
		if len(u.Skipped) > 0 {
			in.Status = report.StatusPartial
			for _, s := range u.Skipped {
				in.Problems = append(in.Problems, rules.Mask(s))
			}
		}
		if mergedSources != nil {
			perUnit[i] = CheckSources(m, mergedSources)
			for _, s := range mergedSources {
				in.Files = append(in.Files, s.File)
			}
		} else {
			perUnit[i] = CheckUnit(m, u)
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
	for _, g := range Groups(units) {
		ms := make([]*rules.Config, len(g))
		us := make([]Unit, len(g))
		for j, i := range g {
			ms[j], us[j] = models[i], units[i]
		}
		for j, fs := range CheckNodes(ms, us) {
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
		perUnit[i] = req.Settings.Apply(perUnit[i])
		loader.Notes = append(loader.Notes, Suppress(perUnit[i], func(file string) []byte { return sources[file] })...)
	}
	var res Result
	var findings []rules.Finding
	for i, fs := range perUnit {
		findings = append(findings, fs...)
		if !req.Fix {
			continue
		}
		fix, err := BuildFix(models[i], slices.DeleteFunc(slices.Clone(fs), func(f rules.Finding) bool { return f.Suppressed != nil }))
		if err != nil {
			return Result{}, err
		}
		if fix != nil {
			res.Fixes = append(res.Fixes, unresolve(fix, loader.Env))
		}
	}
	notes := make([]string, len(loader.Notes))
	for i, n := range loader.Notes {
		notes[i] = rules.Mask(n)
	}
	res.Report = report.New(findings, append(inputs, unchecked...), notes)
	return res, nil
}

// addEnv sets the loader's placeholder values: env, then each file's, and
// notes every credential a file holds in plain text.
func (l *Loader) addEnv(env map[string]string, files []string) error {
	if len(env) > 0 {
		l.Env = maps.Clone(env)
	}
	for _, f := range files {
		vars, err := ReadEnvFile(f)
		if err != nil {
			return &RequestError{Field: "EnvFiles", Err: err}
		}
		if l.Env == nil {
			l.Env = map[string]string{}
		}
		keys := make([]string, 0, len(vars))
		for k, v := range vars {
			l.Env[k] = v
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if kind := rules.SecretKind(vars[k]); kind != "" {
				l.Notes = append(l.Notes, fmt.Sprintf("%s: %s holds a %s credential in plain text; if this file is committed, encrypt it (SOPS) and revoke the key", f, k, kind))
			}
		}
	}
	return nil
}

// unresolve puts the ${VAR} placeholders back where the environment filled
// in a credential: the fix patch belongs next to the templated input, and
// must not carry the key the env file holds.
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

// readSchematics adds the schematic files' IDs and official extensions to
// known (which it does not change).
func readSchematics(known map[string][]string, files []string) (map[string][]string, error) {
	out := make(map[string][]string, len(known)+len(files))
	for k, v := range known {
		out[k] = v
	}
	for _, f := range files {
		data, err := userfile.Read(f, userfile.ConfigLimit)
		if err != nil {
			return nil, &RequestError{Field: "SchematicFiles", Err: err}
		}
		s, err := schematic.Parse(data)
		if err != nil {
			return nil, &RequestError{Field: "SchematicFiles", File: f, Err: err}
		}
		id, err := s.ID()
		if err != nil {
			return nil, &RequestError{Field: "SchematicFiles", File: f, Err: err}
		}
		out[id] = s.Extensions()
	}
	return out, nil
}

// storeLookup answers schematic IDs from a schematic store, each ID read
// once per run; a missing store or an unknown ID just leaves the schematic
// unknown.
func storeLookup(ctx context.Context, dir string) func(string) ([]string, bool) {
	st := schematic.Store{Dir: dir}
	type answer struct {
		exts []string
		ok   bool
	}
	var mu sync.Mutex
	seen := map[string]answer{}
	return func(id string) ([]string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if a, ok := seen[id]; ok {
			return a.exts, a.ok
		}
		var a answer
		if s, err := st.Lookup(ctx, id); err == nil {
			a = answer{s.Extensions(), true}
		}
		seen[id] = a
		return a.exts, a.ok
	}
}

func mergeSchematics(a, b map[string][]string) map[string][]string {
	out := make(map[string][]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
