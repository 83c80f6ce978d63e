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
//
// Run holds the whole report; Stream is the same run for reports too
// large to hold.
func Run(ctx context.Context, req Request) (Result, error) {
	var inputs []report.Input
	var perInput [][]rules.Finding
	tail, err := Stream(ctx, req, func(in report.Input, fs []rules.Finding) error {
		inputs = append(inputs, in)
		perInput = append(perInput, fs)
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	for _, c := range tail.Cross {
		perInput[c.Input] = c.Join(perInput[c.Input])
	}
	n := 0
	for _, fs := range perInput {
		n += len(fs)
	}
	findings := make([]rules.Finding, 0, n)
	for _, fs := range perInput {
		findings = append(findings, fs...)
	}
	return Result{Report: report.New(findings, inputs, tail.Notes), Fixes: tail.Fixes}, nil
}

// Tail is what a streamed run knows only once every input is checked.
type Tail struct {
	// Cross are the findings of the cross-node rules, which compare the
	// nodes of the run's files, by the input they belong to.
	Cross []Crossed
	// Notes are the run's notes (Report.Notes).
	Notes []string
	// Fixes are Result.Fixes (with Request.Fix).
	Fixes [][]byte
}

// Crossed are one input's cross-node findings: Input counts the inputs
// Stream gave to each, from 0.
type Crossed struct {
	Input    int
	Findings []rules.Finding
}

// Join is the input's own findings and these, in rule order: the input's
// findings as Run reports them. own is not changed.
func (c Crossed) Join(own []rules.Finding) []rules.Finding {
	fs := append(slices.Clip(own), c.Findings...)
	slices.SortStableFunc(fs, byRule)
	return fs
}

// Stream is Run for a report too large to hold: it calls each for every
// input, in Run's order, as soon as that input and those before it are
// checked, with the input's own findings (settings and suppressions
// applied). What the cross-node rules find is known only at the end and is
// in the Tail. Between inputs a run keeps only what those rules read of
// each node (and, with req.Fix, each node's model), so memory does not
// grow with the rest of every config. An error from each stops the run and
// is returned.
func Stream(ctx context.Context, req Request, each func(report.Input, []rules.Finding) error) (Tail, error) {
	step := func(format string, args ...any) {
		if req.Progress != nil {
			req.Progress(fmt.Sprintf(format, args...))
		}
	}
	known, err := readSchematics(req.Schematics, req.SchematicFiles)
	if err != nil {
		return Tail{}, err
	}
	base := req.Base
	if base == nil && req.BaseFile != "" {
		data, err := userfile.Read(req.BaseFile, userfile.ConfigLimit)
		if err != nil {
			return Tail{}, &RequestError{Field: "BaseFile", Err: err}
		}
		if base, err = configloader.NewFromBytes(data); err != nil {
			return Tail{}, &RequestError{Field: "BaseFile", File: req.BaseFile, Err: errors.New(rules.Mask(err.Error()))}
		}
	}
	lookup := req.LookupSchematic
	if lookup == nil && req.StoreDir != "" {
		lookup = storeLookup(ctx, req.StoreDir)
	}
	step("loading %d path(s)", len(req.Paths))
	loader := NewLoader(base)
	if err := loader.addEnv(req.Env, req.EnvFiles); err != nil {
		return Tail{}, err
	}

	o := runOptions{mode: req.Mode, known: known, lookup: lookup, tailnetDomain: req.TailnetDomain, fix: req.Fix}
	if req.Merge {
		return streamMerged(loader, req, o, each)
	}
	jobs := listFiles(req.Paths)
	step("checking %d file(s)", len(jobs))
	s := &streamer{req: req, loader: loader, jobs: jobs, each: each}
	if err := checkFiles(ctx, loader, jobs, o, s.add); err != nil {
		return Tail{}, err
	}
	return s.finish()
}

// streamMerged checks the patch files of a --merge run as one node.
func streamMerged(loader *Loader, req Request, o runOptions, each func(report.Input, []rules.Finding) error) (Tail, error) {
	u, sources, err := loader.LoadMerged(req.Paths)
	if err != nil {
		// Loader errors can quote the input; keys stay masked.
		return Tail{}, &RequestError{Field: "Paths", Err: errors.New(rules.Mask(err.Error()))}
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
	fs = req.Settings.Apply(fs)
	notes := append(loader.Notes, Suppress(fs, func(file string) []byte { return texts[file] })...)
	var tail Tail
	if req.Fix {
		fix, err := buildFix(m, fs, loader.Env)
		if err != nil {
			return Tail{}, err
		}
		if fix != nil {
			tail.Fixes = [][]byte{fix}
		}
	}
	if err := each(unitInput(u, m, sources), fs); err != nil {
		return Tail{}, err
	}
	tail.Notes = maskNotes(notes)
	return tail, nil
}

// buildFix is the fix patch of m's findings that are not suppressed, with
// the env's credentials put back as placeholders; nil when none is fixable.
func buildFix(m *rules.Config, fs []rules.Finding, env map[string]string) ([]byte, error) {
	fix, err := BuildFix(m, slices.DeleteFunc(slices.Clone(fs), func(f rules.Finding) bool { return f.Suppressed != nil }))
	if err != nil || fix == nil {
		return nil, err
	}
	return unresolve(fix, env), nil
}

func maskNotes(notes []string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = rules.Mask(n)
	}
	return out
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
