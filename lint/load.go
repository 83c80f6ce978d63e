package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/lint/input"
	"github.com/tailos/tailos/lint/input/talhelper"
	"github.com/tailos/tailos/lint/input/talstomize"
	"github.com/tailos/tailos/lint/input/topf"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosconf"
)

// Unit is one node configuration to check.
type Unit struct {
	File    string
	Node    string
	Source  []byte
	Config  config.Provider
	Partial bool
	// Kind says what the input was: "config", "patch" or "talhelper".
	Kind string
	// Schematics the input defines (talhelper node schematics).
	Schematics map[string][]string
	// TalosVersion is the version the input targets, when it says.
	TalosVersion string
	// Role is the machine type a patch states, "" when it does not.
	Role string
	// Load is what the loader saw in the input that the config no longer
	// shows (removed invalid fields, merged documents).
	Load rules.LoadFacts
	// Sources are the files a talhelper node is built from: the talconfig,
	// then the patch files read from disk, in the order they apply.
	Sources []Source
	// Lines maps config field paths to the talconfig lines of the node
	// fields they are rendered from ("machine.install.image" → the line of
	// talosImageURL or schematic).
	Lines map[string]int
	// Skipped says which parts of the input could not be applied (a
	// talhelper patch that is missing or does not decode): the unit was
	// checked without them.
	Skipped []string
}

// InputError is bad input: it names the file (and line when known).
type InputError struct {
	File string
	Err  error
}

func (e *InputError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Loader turns files into Units. The zero value is not usable; use NewLoader.
type Loader struct {
	// Base, when set, is the config patches are applied to.
	Base config.Provider
	// Notes collects what was skipped (talhelper features not followed).
	Notes []string
	// Env holds values for ${VAR} placeholders (talhelper talenv, --env);
	// placeholders it lacks stay verbatim and are noted.
	Env map[string]string

	mu   sync.Mutex // guards Notes
	gens *generators
}

// generators are the stand-in base generators, one per version, cluster
// and endpoint, shared by a loader and its forks.
type generators struct {
	mu sync.Mutex
	m  map[string]*talosconf.Generator
}

// NewLoader returns a loader; base may be nil (a generated base is used).
func NewLoader(base config.Provider) *Loader {
	return &Loader{Base: base, gens: &generators{m: map[string]*talosconf.Generator{}}}
}

// fork returns a loader for one file of a concurrent run: the same base,
// values and generators, notes of its own (so they keep file order).
func (l *Loader) fork() *Loader {
	base := l.Base
	if base != nil {
		base = base.Clone()
	}
	return &Loader{Base: base, Env: l.Env, gens: l.gens}
}

// Stand-in bases: v1.13 keeps kubelet/sysctl/install settings in v1alpha1,
// so patches of either shape resolve (new documents win); v1.11 is the last
// single-document base, which JSON6902 patches need.
const (
	standInVersion     = input.StandInVersion
	standInJSONVersion = "v1.11.0"
)

func (l *Loader) generated(version, cluster, endpoint string, role machine.Type) (config.Provider, error) {
	key := version + "|" + cluster + "|" + endpoint
	l.gens.mu.Lock()
	g, ok := l.gens.m[key]
	if !ok {
		var err error
		g, err = talosconf.NewGenerator(talosconf.BaseOptions{ClusterName: cluster, Endpoint: endpoint, TalosVersion: version})
		if err != nil {
			l.gens.mu.Unlock()
			return nil, err
		}
		l.gens.m[key] = g
	}
	l.gens.mu.Unlock()
	return g.Base(role)
}

// LoadMerged applies every patch file under paths, in order, to one base
// (talosctl's repeated --config-patch) and returns that single node
// configuration with its sources.
func (l *Loader) LoadMerged(paths []string) (Unit, []Source, error) {
	files, err := expand(paths)
	if err != nil {
		return Unit{}, nil, err
	}
	base, partial := l.Base, false
	if base == nil {
		base, err = l.generated(standInVersion, "tailos-check", "https://192.0.2.1:6443", machine.TypeControlPlane)
		if err != nil {
			return Unit{}, nil, err
		}
		partial = true
	}
	cfg := base
	var sources []Source
	var all []byte
	for _, f := range files {
		data, err := userfile.Read(f, userfile.ConfigLimit)
		if err != nil {
			return Unit{}, nil, &InputError{File: f, Err: userfile.Cause(err)}
		}
		p, err := configpatcher.LoadPatch(data)
		if err != nil {
			return Unit{}, nil, &InputError{File: f, Err: err}
		}
		out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), []configpatcher.Patch{p})
		if err != nil {
			return Unit{}, nil, &InputError{File: f, Err: err}
		}
		if cfg, err = out.Config(); err != nil {
			return Unit{}, nil, &InputError{File: f, Err: err}
		}
		sources = append(sources, Source{File: f, Data: data})
		all = append(append(all, data...), '\n')
	}
	if len(files) == 0 {
		return Unit{}, nil, &InputError{File: strings.Join(paths, " "), Err: errors.New("no *.yaml or *.yml files")}
	}
	return Unit{File: files[0], Source: all, Config: cfg, Partial: partial, Kind: "merged"}, sources, nil
}

// projectFiles name the project files of topf and talstomize.
var projectFiles = []string{"topf.yaml", "topf.yml", "talstomize.yaml"}

// expand lists files, walking directories for *.yaml and *.yml (sorted).
func expand(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &InputError{File: p, Err: errors.Unwrap(err)}
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				// A topf or talstomize project is its project file: the
				// patches under it are read through it, in its order.
				for _, name := range projectFiles {
					if _, err := os.Stat(filepath.Join(path, name)); err == nil {
						found = append(found, filepath.Join(path, name))
						return fs.SkipDir
					}
				}
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, &InputError{File: p, Err: err}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// PathsResult is what LoadPathsContext made of every input file.
type PathsResult struct {
	Units []Unit
	// Failed are the files (or paths) that could not be checked at all.
	Failed []*InputError
	// Ignored are files met in a directory that are not Talos input (an
	// Image Factory schematic, as gen writes next to its patches).
	Ignored []*InputError
}

// LoadPathsContext loads every path like LoadPaths, but a file that fails
// does not stop the others: it is listed in Failed. ctx is checked between
// files, so a long run stops when it is cancelled.
func (l *Loader) LoadPathsContext(ctx context.Context, paths []string) (PathsResult, error) {
	var res PathsResult
	for _, j := range listFiles(paths) {
		if j.failed != nil {
			res.Failed = append(res.Failed, j.failed)
			continue
		}
		f := j.file
		if err := ctx.Err(); err != nil {
			return res, context.Cause(ctx)
		}
		data, err := userfile.Read(f, userfile.ConfigLimit)
		if err != nil {
			res.Failed = append(res.Failed, &InputError{File: f, Err: userfile.Cause(err)})
			continue
		}
		if j.walked && isSchematic(data) {
			res.Ignored = append(res.Ignored, &InputError{File: f, Err: errors.New("an Image Factory schematic, not a Talos config")})
			continue
		}
		us, err := l.Load(f, data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				ie = &InputError{File: f, Err: err}
			}
			res.Failed = append(res.Failed, ie)
			continue
		}
		res.Units = append(res.Units, us...)
	}
	return res, nil
}

// isSchematic reports whether data is an Image Factory schematic: one
// mapping whose keys are only the schematic's own.
func isSchematic(data []byte) bool {
	// A schematic has no key but these two, so its first line of content
	// starts with one of them (or is a shape only the parser reads): that
	// spares the other files (nearly all) a second YAML parse.
	if !schematicStart(data) {
		return false
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil || len(m) == 0 {
		return false
	}
	for k := range m {
		if k != "customization" && k != "overlay" {
			return false
		}
	}
	return true
}

// schematicStart reports whether the first line of data that is not blank,
// a comment, a directive or a document marker could open a schematic.
func schematicStart(data []byte) bool {
	var first []byte
	topLine(data, func(line []byte) bool {
		t := bytes.TrimRight(line, " \t\r")
		if len(t) == 0 || t[0] == '#' || t[0] == '%' || bytes.Equal(t, []byte("---")) {
			return false
		}
		first = t
		return true
	})
	switch {
	case first == nil:
		return false
	case bytes.HasPrefix(first, []byte("customization")) || bytes.HasPrefix(first, []byte("overlay")):
		return true
	}
	// Flow style, quoted or indented keys, a marker with content.
	return bytes.ContainsAny(first[:1], "{\"' \t-")
}

// LoadPaths expands directories (recursively, *.yaml and *.yml, sorted) and
// loads every file.
func (l *Loader) LoadPaths(paths []string) ([]Unit, error) {
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	var units []Unit
	for _, f := range files {
		data, err := userfile.Read(f, userfile.ConfigLimit)
		if err != nil {
			return nil, &InputError{File: f, Err: userfile.Cause(err)}
		}
		us, err := l.Load(f, data)
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	return units, nil
}

// Load classifies one file — talhelper talconfig, whole machine config, or
// patch — and returns the node configurations it describes.
func (l *Loader) Load(file string, data []byte) ([]Unit, error) {
	templated := templatedEnvKeys(data)
	units, err := l.load(file, Substitute(data, l.Env))
	for i := range units {
		units[i].Load.Templated = append(units[i].Load.Templated, templated...)
	}
	return units, err
}

func (l *Loader) load(file string, data []byte) ([]Unit, error) {
	for _, u := range Unresolved(data) {
		l.note(fmt.Sprintf("%s: %s is not resolved (never guessed); pass --env FILE to check the rendered value", file, u))
	}
	if u, ok := wholeFast(file, data); ok {
		return []Unit{u}, nil
	}
	docs, err := parseDocs(data)
	if err != nil {
		// Not YAML at all may still be a JSON6902 patch in JSON.
		if p, jerr := jsonpatch.DecodePatch(data); jerr == nil && len(p) > 0 {
			return l.patch(file, data, nil)
		}
		return nil, &InputError{File: file, Err: err}
	}
	if len(docs) == 0 {
		return nil, &InputError{File: file, Err: errors.New("no YAML documents")}
	}
	for _, d := range docs {
		if err := checkKeys(d); err != nil {
			return nil, &InputError{File: file, Err: err}
		}
	}
	for _, d := range docs {
		if d.Kind == yaml.MappingNode && talstomize.Is(d) {
			return l.project(file, func() (input.Project, error) { return talstomize.Read(file, data, d, l.Env) })
		}
		if d.Kind == yaml.MappingNode && topf.Is(file, d) {
			return l.project(file, func() (input.Project, error) { return topf.Read(file, data, d, l.Env) })
		}
		if d.Kind == yaml.MappingNode && talhelper.Is(d) {
			return l.talhelper(file, data, d)
		}
	}
	if isWholeConfig(docs) {
		// One parse serves every look at the input: counting, then stripping.
		tsDocs := tailscaleDocs(docs)
		clean, invalid := stripInvalid(data, docs)
		cfg, err := loadCleaned(l, file, clean, func(b []byte) (config.Provider, error) { return configloader.NewFromBytes(b) })
		if err != nil {
			return nil, &InputError{File: file, Err: err}
		}
		return []Unit{{File: file, Source: data, Config: cfg, Kind: "config", Load: rules.LoadFacts{Invalid: invalid, TailscaleDocs: tsDocs}}}, nil
	}
	return l.patch(file, data, docs)
}

// topLine reports whether a line of data satisfies match: a byte scan,
// where a multi-line regular expression costs a pass of its own per
// pattern over every file.
func topLine(data []byte, match func(line []byte) bool) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if match(line) {
			return true
		}
	}
	return false
}

// v1alpha1Line is `version: v1alpha1` at the top level.
func v1alpha1Line(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("version:"))
	return ok && string(bytes.Trim(rest, " \t\r\f")) == "v1alpha1"
}

func prefixLine(prefix string) func([]byte) bool {
	return func(line []byte) bool { return bytes.HasPrefix(line, []byte(prefix)) }
}

// wholeFast loads a whole machine config that machinery accepts as it is,
// without the YAML walk the other shapes need: that is what most inputs of a
// large fleet are, and machinery's own parse is all it takes.
func wholeFast(file string, data []byte) (Unit, bool) {
	// clusterName is also KubeClusterConfig's; with nodes it is talhelper's.
	if !topLine(data, v1alpha1Line) || topLine(data, prefixLine("nodes:")) && topLine(data, prefixLine("clusterName:")) {
		return Unit{}, false
	}
	cfg, err := configloader.NewFromBytes(data)
	if err != nil {
		return Unit{}, false
	}
	// machinery reads a missing machine.type as worker; a patch that has
	// `version: v1alpha1` (as machinery encodes documents) but no type is
	// still a patch, as isWholeConfig decides. v1alpha1's Machine() is an
	// empty MachineConfig when the machine section is absent, so the raw
	// document is checked itself.
	raw := cfg.RawV1Alpha1()
	if raw == nil || raw.MachineConfig == nil || raw.MachineConfig.MachineType == "" || cfg.Machine().Type() == machine.TypeUnknown {
		return Unit{}, false
	}
	n := 0
	for _, e := range cfg.ExtensionServiceConfigs() {
		if e.Name() == tailscaleext.ServiceName {
			n++
		}
	}
	return Unit{File: file, Source: data, Config: cfg, Kind: "config", Load: rules.LoadFacts{TailscaleDocs: n}}, true
}

// dropUnknown removes documents of kinds machinery does not know, with a
// note, instead of failing the whole file.
func (l *Loader) dropUnknown(file string, data []byte) []byte {
	clean, dropped := dropUnknownKinds(data)
	for _, d := range dropped {
		l.note(fmt.Sprintf("%s: document %s is a kind Talos machinery %s does not know (newer Talos, or a typo): not checked", file, d, machineryVersion))
	}
	return clean
}

// unregistered reports machinery's error for a document kind it lacks;
// only then is the per-document probe of dropUnknown worth its cost.
// machinery wraps registry.ErrNotRegistered ("not registered",
// pkg/machinery/config/internal/registry), which an internal package keeps
// out of reach of errors.Is: its text is the one thing to match, here only.
func unregistered(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not registered")
}

// loadCleaned is load (machinery's config or patch loader) on clean,
// again without what its errors show it cannot take: documents of kinds
// it does not know, then templated values, each dropped with a note.
func loadCleaned[T any](l *Loader, file string, clean []byte, load func([]byte) (T, error)) (T, error) {
	v, err := load(clean)
	if unregistered(err) {
		clean = l.dropUnknown(file, clean)
		v, err = load(clean)
	}
	for range 3 {
		retry, dropped := dropTemplated(clean, err)
		if retry == nil {
			break
		}
		l.noteDropped(file, dropped)
		clean = retry
		v, err = load(clean)
	}
	return v, err
}

// machineryVersion is the pinned github.com/siderolabs/talos/pkg/machinery.
const machineryVersion = "v1.14.1"

// patch applies one patch file; docs are its parsed documents (nil for a
// JSON patch), which it may edit.
func (l *Loader) patch(file string, data []byte, docs []*yaml.Node) ([]Unit, error) {
	role, tsDocs := patchRole(docs), tailscaleDocs(docs)
	clean, invalid := stripInvalid(data, docs)
	p, err := loadCleaned(l, file, clean, configpatcher.LoadPatch)
	if err != nil {
		return nil, &InputError{File: file, Err: err}
	}
	base, partial := l.Base, false
	if base == nil {
		version := standInVersion
		if _, isJSON := p.(jsonpatch.Patch); isJSON {
			version = standInJSONVersion
		}
		base, err = l.generated(version, "tailos-check", "https://192.0.2.1:6443", machine.TypeControlPlane)
		if err != nil {
			return nil, err
		}
		partial = true
	}
	out, err := configpatcher.Apply(configpatcher.WithConfig(base), []configpatcher.Patch{p})
	if err != nil {
		return nil, &InputError{File: file, Err: err}
	}
	cfg, err := out.Config()
	if err != nil {
		return nil, &InputError{File: file, Err: err}
	}
	facts := rules.LoadFacts{Invalid: invalid, TailscaleDocs: tsDocs}
	return []Unit{{File: file, Source: data, Config: cfg, Partial: partial, Kind: "patch", Role: role, Load: facts}}, nil
}

// patchRole is the machine.type a patch sets, "" if none.
func patchRole(docs []*yaml.Node) string {
	for _, d := range docs {
		switch t := value(child(d, "machine"), "type"); t {
		case "controlplane", "init":
			return "controlplane"
		case "worker":
			return "worker"
		}
	}
	return ""
}

// isWholeConfig: a v1alpha1 document with `version` and machine.type is a
// complete machine config as `talosctl gen config` writes it.
func isWholeConfig(docs []*yaml.Node) bool {
	for _, d := range docs {
		if value(d, "version") != "" && value(child(d, "machine"), "type") != "" {
			return true
		}
	}
	return false
}

// noteDropped says which templated fields were left out of the check.
func (l *Loader) noteDropped(file string, paths []string) {
	for _, p := range paths {
		l.note(fmt.Sprintf("%s: %s holds an unresolved template value machinery cannot decode; checked without it", file, p))
	}
}
