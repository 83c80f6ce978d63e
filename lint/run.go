package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
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

	o := runOptions{mode: req.Mode, known: known, lookup: lookup, tailnetDomain: req.TailnetDomain, fix: req.Fix}
	if req.Merge {
		return runMerged(loader, req, o)
	}
	jobs := listFiles(req.Paths)
	step("checking %d file(s)", len(jobs))
	files, err := checkFiles(ctx, loader, jobs, o)
	if err != nil {
		return Result{}, err
	}
	crossFiles(loader, jobs, files)

	// Every file gets a result: one that cannot be loaded is reported as
	// not checked, and the others are still checked.
	// Sized first: on a large fleet these are the run's largest arrays.
	n := 0
	for _, f := range files {
		n += len(f.units)
	}
	inputs := make([]report.Input, 0, n)
	perUnit := make([][]rules.Finding, 0, n)
	models := make([]*rules.Config, 0, n)
	var failed, ignored []report.Input
	texts := map[string][]byte{}
	for i := range files {
		f := &files[i]
		loader.Notes = append(loader.Notes, f.notes...)
		switch {
		case f.failed != nil:
			failed = append(failed, report.Input{File: f.failed.File, Status: report.StatusUnchecked, Problems: []string{rules.Mask(f.failed.Err.Error())}})
		case f.ignored != nil:
			ignored = append(ignored, report.Input{File: f.ignored.File, Status: report.StatusIgnored, Problems: []string{f.ignored.Err.Error()}})
		}
		for _, u := range f.units {
			inputs = append(inputs, u.input)
			perUnit = append(perUnit, u.findings)
			models = append(models, u.model)
		}
		for _, t := range f.texts {
			if _, ok := texts[t.file]; !ok {
				texts[t.file] = t.data
			}
		}
		*f = checkedFile{} // what is left of it is in the slices above
	}
	return finish(loader, req, perUnit, models, texts, append(inputs, append(failed, ignored...)...))
}

// runMerged checks the patch files of a --merge run as one node.
func runMerged(loader *Loader, req Request, o runOptions) (Result, error) {
	u, sources, err := loader.LoadMerged(req.Paths)
	if err != nil {
		// Loader errors can quote the input; keys stay masked.
		return Result{}, &RequestError{Field: "Paths", Err: errors.New(rules.Mask(err.Error()))}
	}
	m := o.model(u)
	fs := CheckSources(m, sources)
	cross := CheckNodes([]*rules.Config{m}, []Unit{u})[0]
	fs = append(fs, cross...)
	slices.SortStableFunc(fs, byRule)
	// A merged unit's Source is all its files together: each file's own
	// text serves inline suppressions.
	texts := map[string][]byte{}
	for _, s := range sources {
		texts[s.File] = s.Data
	}
	if _, ok := texts[u.File]; !ok {
		texts[u.File] = u.Source
	}
	return finish(loader, req, [][]rules.Finding{fs}, []*rules.Config{m}, texts, []report.Input{unitInput(u, m, sources)})
}

// finish applies settings and inline suppressions, builds the fixes and
// the report.
func finish(loader *Loader, req Request, perUnit [][]rules.Finding, models []*rules.Config, texts map[string][]byte, inputs []report.Input) (Result, error) {
	for i := range perUnit {
		perUnit[i] = req.Settings.Apply(perUnit[i])
		loader.Notes = append(loader.Notes, Suppress(perUnit[i], func(file string) []byte { return texts[file] })...)
	}
	var res Result
	n := 0
	for _, fs := range perUnit {
		n += len(fs)
	}
	findings := make([]rules.Finding, 0, n)
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
	res.Report = report.New(findings, inputs, notes)
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
