package lint

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
)

// fileJob is one input file of a run, or a path that did not expand.
type fileJob struct {
	file   string
	walked bool // met in a directory (not named by the user)
	failed *InputError
}

// listFiles expands paths into the files to check, in order; a path that
// cannot be expanded is a job that failed.
func listFiles(paths []string) []fileJob {
	var jobs []fileJob
	for _, p := range paths {
		files, err := expand([]string{p})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				ie = &InputError{File: p, Err: err}
			}
			jobs = append(jobs, fileJob{failed: ie})
			continue
		}
		if len(files) == 0 {
			jobs = append(jobs, fileJob{failed: &InputError{File: p, Err: errors.New("no *.yaml or *.yml files")}})
			continue
		}
		walked := len(files) > 1 || files[0] != p
		for _, f := range files {
			jobs = append(jobs, fileJob{file: f, walked: walked})
		}
	}
	return jobs
}

// checkedFile is what a run keeps of one file once it is checked: the
// findings and the report's input lines, not the file or its config.
type checkedFile struct {
	failed, ignored *InputError
	units           []checkedUnit
	notes           []string
	// texts are the first text seen of each file the units are built
	// from, kept (non-nil) only when it has an inline suppression.
	texts map[string][]byte
	order []string // texts' keys, first seen first
}

type checkedUnit struct {
	input    report.Input
	findings []rules.Finding
	// model is kept for the cross-node rules of the run's files (not a
	// talhelper cluster, which is checked with its file) and for fixes.
	model *rules.Config
	cross bool
	// envLines are where the node's environment entries are, for the
	// cross-node findings that point at them.
	envLines map[string]fileLine
	unit     int // index among its file's units, to load it again
}

type fileLine struct {
	file string
	line int
}

// runOptions are what checking one file needs of the request.
type runOptions struct {
	mode          rules.Mode
	known         map[string][]string
	lookup        func(string) ([]string, bool)
	tailnetDomain string
	fix           bool
}

// checkFiles checks every job with a worker per core; each file is
// checked as soon as it is loaded, and only what checkedFile holds
// outlives it.
func checkFiles(ctx context.Context, l *Loader, jobs []fileJob, o runOptions) ([]checkedFile, error) {
	out := make([]checkedFile, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = checkFile(l.fork(), jobs[i], o)
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return out, nil
}

// checkFile loads one file and checks its units; l is the file's own fork.
func checkFile(l *Loader, job fileJob, o runOptions) checkedFile {
	if job.failed != nil {
		return checkedFile{failed: job.failed}
	}
	data, err := userfile.Read(job.file, userfile.ConfigLimit)
	if err != nil {
		return checkedFile{failed: &InputError{File: job.file, Err: userfile.Cause(err)}}
	}
	if job.walked && isSchematic(data) {
		return checkedFile{ignored: &InputError{File: job.file, Err: errors.New("an Image Factory schematic, not a Talos config")}}
	}
	units, err := l.Load(job.file, data)
	res := checkedFile{notes: l.Notes, texts: map[string][]byte{}}
	if err != nil {
		var ie *InputError
		if !errors.As(err, &ie) {
			ie = &InputError{File: job.file, Err: err}
		}
		res.failed = ie
		return res
	}
	models := make([]*rules.Config, len(units))
	for i, u := range units {
		m := o.model(u)
		models[i] = m
		cu := checkedUnit{input: unitInput(u, m, nil), findings: CheckUnit(m, u), unit: i, cross: u.Kind != "talhelper"}
		switch {
		case o.fix:
			cu.model = m
		case cu.cross:
			cu.model = crossModel(m)
		}
		if cu.cross && m.Tailscale != nil {
			cu.envLines = envLines(m, u)
		}
		res.units = append(res.units, cu)
		res.seen(u.File, u.Source)
		for _, s := range u.Sources {
			res.seen(s.File, s.Data)
		}
	}
	// A talhelper file is one cluster: its cross-node rules run here.
	var tal []int
	for i, u := range units {
		if u.Kind == "talhelper" {
			tal = append(tal, i)
		}
	}
	if len(tal) > 0 {
		ms, us := make([]*rules.Config, len(tal)), make([]Unit, len(tal))
		for j, i := range tal {
			ms[j], us[j] = models[i], units[i]
		}
		for j, fs := range CheckNodes(ms, us) {
			cu := &res.units[tal[j]]
			cu.findings = append(cu.findings, fs...)
			slices.SortStableFunc(cu.findings, byRule)
		}
	}
	return res
}

func byRule(a, b rules.Finding) int { return strings.Compare(a.Rule, b.Rule) }

// seen records the first text of file; only one with an inline
// suppression comment is worth keeping.
func (c *checkedFile) seen(file string, data []byte) {
	if _, ok := c.texts[file]; ok {
		return
	}
	c.order = append(c.order, file)
	if bytes.Contains(data, []byte("tailos:ignore")) {
		c.texts[file] = data
	} else {
		c.texts[file] = nil
	}
}

func (o runOptions) model(u Unit) *rules.Config {
	schematics := o.known
	if len(u.Schematics) > 0 {
		schematics = mergeSchematics(o.known, u.Schematics)
	}
	return BuildModel(u.Config, Options{
		Mode: o.mode, File: u.File, Node: u.Node, Source: u.Source, Partial: u.Partial, LookupSchematic: o.lookup,
		TailnetDomain: o.tailnetDomain, Schematics: schematics, TalosVersion: u.TalosVersion, Role: u.Role,
		Load: u.Load,
	})
}

// crossModel is the part of a model the cross-node rules read (the
// nodes' names, Tailscale settings, addresses and node IP subnets): what a
// run keeps of each file for them, so that memory does not grow with the
// rest of every config. TestCrossModel holds the rules to it.
func crossModel(m *rules.Config) *rules.Config {
	return &rules.Config{File: m.File, Node: m.Node, Tailscale: m.Tailscale, Addresses: m.Addresses, NodeIP: rules.Subnets{Values: m.NodeIP.Values}}
}

// unitInput is the report's line for a unit; merged lists the files of a
// --merge run.
func unitInput(u Unit, m *rules.Config, merged []Source) report.Input {
	in := report.Input{File: u.File, Node: m.Node, Kind: u.Kind, Mode: m.Mode, ModeReason: m.ModeReason}
	if len(u.Skipped) > 0 {
		in.Status = report.StatusPartial
		for _, s := range u.Skipped {
			in.Problems = append(in.Problems, rules.Mask(s))
		}
	}
	for _, p := range m.Unread {
		in.Status = report.StatusPartial
		in.Problems = append(in.Problems, rules.Mask("not read (its rules saw it empty): "+p))
	}
	if merged != nil {
		for _, s := range merged {
			in.Files = append(in.Files, s.File)
		}
		return in
	}
	if len(u.Sources) > 1 { // a talhelper, topf or talstomize node built from patch files
		for _, s := range u.Sources {
			if !slices.Contains(in.Files, s.File) {
				in.Files = append(in.Files, s.File)
			}
		}
	}
	return in
}

// envLines attributes every environment entry of the node's tailscale
// document, as a finding pointing at it would be.
func envLines(m *rules.Config, u Unit) map[string]fileLine {
	fs := make([]rules.Finding, 0, len(m.Tailscale.Env))
	for _, e := range m.Tailscale.Env {
		fs = append(fs, rules.Finding{File: u.File, At: rules.AtEnv(e.Key)})
	}
	attribute(fs, u)
	out := make(map[string]fileLine, len(fs))
	for _, f := range fs {
		out[f.At.EnvKey] = fileLine{f.File, f.Line}
	}
	return out
}

// attribute sets the file and line of findings on u, masking messages.
func attribute(fs []rules.Finding, u Unit) {
	if len(u.Sources) > 0 {
		Attribute(fs, u)
		return
	}
	idx := NewIndex(u.Source)
	for j := range fs {
		fs[j].Line = idx.Line(fs[j].At)
		fs[j].Message = rules.Mask(fs[j].Message)
	}
}

// crossFiles runs the cross-node rules over the files checked together
// (every unit that is not part of a talhelper cluster) and adds their
// findings to the units, attributed like the units' own.
func crossFiles(l *Loader, jobs []fileJob, files []checkedFile) {
	type ref struct{ file, unit int }
	var refs []ref
	var models []*rules.Config
	for i := range files {
		for j, u := range files[i].units {
			if u.cross {
				refs = append(refs, ref{i, j})
				models = append(models, u.model)
			}
		}
	}
	if len(models) == 0 {
		return
	}
	for k, fs := range rules.RunNodes(models) {
		if len(fs) == 0 {
			continue
		}
		cu := &files[refs[k].file].units[refs[k].unit]
		var rest []int
		for j := range fs {
			at := fs[j].At
			fl, ok := cu.envLines[at.EnvKey]
			if at.EnvKey == "" || at.Doc != rules.DocTailscaleESC || !ok {
				rest = append(rest, j)
				continue
			}
			fs[j].File, fs[j].Line, fs[j].Message = fl.file, fl.line, rules.Mask(fs[j].Message)
		}
		if len(rest) > 0 {
			// Pointing elsewhere: load the unit again to find the line.
			job := jobs[refs[k].file]
			sub := make([]rules.Finding, len(rest))
			for i, j := range rest {
				sub[i] = fs[j]
			}
			if u, ok := reload(l, job.file, cu.unit); ok {
				attribute(sub, u)
			} else {
				for i := range sub {
					sub[i].Message = rules.Mask(sub[i].Message)
				}
			}
			for i, j := range rest {
				fs[j] = sub[i]
			}
		}
		cu.findings = append(cu.findings, fs...)
		slices.SortStableFunc(cu.findings, byRule)
	}
}

func reload(l *Loader, file string, unit int) (Unit, bool) {
	data, err := userfile.Read(file, userfile.ConfigLimit)
	if err != nil {
		return Unit{}, false
	}
	us, err := l.fork().Load(file, data)
	if err != nil || unit >= len(us) {
		return Unit{}, false
	}
	return us[unit], true
}
