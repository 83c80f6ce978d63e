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
	// texts are the files the units are built from, first seen first,
	// with their text kept (non-nil) only when it has an inline
	// suppression.
	texts []fileText
}

type fileText struct {
	file string
	data []byte
}

type checkedUnit struct {
	input    report.Input
	findings []rules.Finding
	// model is kept for fixes only.
	model *rules.Config
	// facts are kept for the cross-node rules of the run's files (not a
	// talhelper cluster, which is checked with its file).
	facts *rules.NodeFacts
	cross bool
	// envLines are where the node's environment entries that cross-node
	// findings point at are (rules.NodeEnvKeys).
	envLines []envLine
	unit     int // index among its file's units, to load it again
}

type envLine struct {
	key string
	at  fileLine
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

// window is how many files past the one being delivered a run checks
// ahead: enough to keep every core busy while a slow file holds up the
// order, and small enough that memory does not grow with the files.
func window() int { return 4 * runtime.GOMAXPROCS(0) }

// checkFiles checks every job with a worker per core and hands each file,
// in the jobs' order, to deliver as soon as it and those before it are
// checked; at most window() files are checked and not yet delivered, and
// only what deliver keeps outlives a file. An error from deliver stops the
// run and is returned.
func checkFiles(ctx context.Context, l *Loader, jobs []fileJob, o runOptions, deliver func(i int, f checkedFile) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := min(window(), max(len(jobs), 1))
	// Job i waits for a free slot, so ring[i%w] holds one result at a
	// time and a worker's send never blocks.
	slots := make(chan struct{}, w)
	ring := make([]chan checkedFile, w)
	for i := range ring {
		ring[i] = make(chan checkedFile, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ring[i%w] <- checkFile(l.fork(), jobs[i], o)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(next)
		for i := range jobs {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	err := func() error {
		for i := range jobs {
			select {
			case f := <-ring[i%w]:
				if err := deliver(i, f); err != nil {
					return err
				}
				<-slots
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	}()
	cancel(err)
	wg.Wait()
	return err
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
	res := checkedFile{notes: l.Notes}
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
		cu := checkedUnit{input: unitInput(u, m, nil), unit: i, cross: u.Kind != "talhelper"}
		switch {
		case o.fix:
			cu.model, cu.facts = m, &m.NodeFacts
		case cu.cross:
			cu.facts = crossFacts(m)
		}
		cu.findings, cu.envLines = checkUnitLines(m, u, cu.cross)
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
	for _, t := range c.texts {
		if t.file == file {
			return
		}
	}
	t := fileText{file: file}
	if bytes.Contains(data, []byte("tailos:ignore")) {
		t.data = data
	}
	c.texts = append(c.texts, t)
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

// crossFacts is what a run keeps of each file for the cross-node rules, so
// that memory does not grow with the rest of every config: the model's
// NodeFacts, of whose node IP subnets the rules read the values only, and
// of whose Tailscale environment the entries of rules.NodeEnvKeys.
// TestCrossModel holds the rules to it.
func crossFacts(m *rules.Config) *rules.NodeFacts {
	f := m.NodeFacts
	f.NodeIP = rules.Subnets{Values: m.NodeIP.Values}
	if m.Tailscale != nil {
		// Of the environment the rules read NodeEnvKeys only.
		t, keys := &rules.Tailscale{}, rules.NodeEnvKeys()
		for _, e := range m.Tailscale.Env {
			if slices.Contains(keys, e.Key) {
				t.Env = append(t.Env, e)
			}
		}
		t.Env = slices.Clip(t.Env)
		f.Tailscale = t
	}
	return &f
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

// checkUnitLines is CheckUnit, and with cross also the lines of the
// environment entries of the node's tailscale document that cross-node
// findings point at (rules.NodeEnvKeys), attributed as such a finding
// would be: all from one index of the unit's text.
func checkUnitLines(m *rules.Config, u Unit, cross bool) ([]rules.Finding, []envLine) {
	fs := rules.Run(m)
	n := len(fs)
	if cross && m.Tailscale != nil {
		for _, k := range rules.NodeEnvKeys() {
			if _, ok := m.Tailscale.Lookup(k); ok {
				fs = append(fs, rules.Finding{File: u.File, At: rules.AtEnv(k)})
			}
		}
	}
	attribute(fs, u)
	var lines []envLine
	for _, f := range fs[n:] {
		lines = append(lines, envLine{f.At.EnvKey, fileLine{f.File, f.Line}})
	}
	// A copy of the exact size: the findings outlive the run's other
	// per-file state, the spare capacity would too.
	return slices.Clone(fs[:n]), lines
}

// attribute sets the file and line of findings on u, masking messages.
func attribute(fs []rules.Finding, u Unit) {
	if len(fs) == 0 {
		return
	}
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

// streamer delivers a run's files as they are checked and keeps, of each
// node, what the cross-node rules read and where their findings point.
type streamer struct {
	req    Request
	loader *Loader
	jobs   []fileJob
	each   func(report.Input, []rules.Finding) error

	n int // inputs delivered
	// later are the files that were not checked: Run reports them after
	// the checked ones, closest to the summary.
	later    []report.Input
	ignored  []report.Input
	notes    []string // the files' own notes, in file order
	suppress []string // notes of inline suppressions
	nodes    []crossNode
	fixes    []fixUnit
}

// crossNode is what a run keeps of a node for the cross-node rules.
type crossNode struct {
	facts    *rules.NodeFacts
	envLines []envLine
	input    int // among the inputs delivered
	job      int
	unit     int
	// ignores: a file of the node has an inline suppression comment, so
	// its cross-node findings are matched against its text.
	ignores bool
}

// fixUnit is a node of a --fix run: its model and own findings, for the
// patch that also fixes its cross-node findings.
type fixUnit struct {
	model    *rules.Config
	findings []rules.Finding
	input    int
}

// add delivers file i.
func (s *streamer) add(i int, f checkedFile) error {
	s.notes = append(s.notes, f.notes...)
	switch {
	case f.failed != nil:
		s.later = append(s.later, report.Input{File: f.failed.File, Status: report.StatusUnchecked, Problems: []string{rules.Mask(f.failed.Err.Error())}})
	case f.ignored != nil:
		s.ignored = append(s.ignored, report.Input{File: f.ignored.File, Status: report.StatusIgnored, Problems: []string{f.ignored.Err.Error()}})
	}
	text := func(file string) []byte {
		for _, t := range f.texts {
			if t.file == file {
				return t.data
			}
		}
		return nil
	}
	ignores := slices.ContainsFunc(f.texts, func(t fileText) bool { return t.data != nil })
	for _, u := range f.units {
		fs := s.req.Settings.Apply(u.findings)
		s.suppress = append(s.suppress, Suppress(fs, text)...)
		if u.cross {
			s.nodes = append(s.nodes, crossNode{facts: u.facts, envLines: u.envLines, input: s.n, job: i, unit: u.unit, ignores: ignores})
		}
		if u.model != nil {
			s.fixes = append(s.fixes, fixUnit{model: u.model, findings: fs, input: s.n})
		}
		in := u.input
		if in.Status == "" {
			in.Status = report.StatusChecked
		}
		if err := s.each(in, fs); err != nil {
			return err
		}
		s.n++
	}
	return nil
}

// finish delivers the files that were not checked, runs the cross-node
// rules over the nodes of the run and builds the fixes.
func (s *streamer) finish() (Tail, error) {
	for _, in := range append(s.later, s.ignored...) {
		if err := s.each(in, nil); err != nil {
			return Tail{}, err
		}
		s.n++
	}
	var tail Tail
	facts := make([]*rules.NodeFacts, len(s.nodes))
	for k := range s.nodes {
		facts[k] = s.nodes[k].facts
	}
	if len(facts) > 0 {
		for k, fs := range rules.RunNodes(facts) {
			if len(fs) == 0 {
				continue
			}
			if fs = s.crossFindings(&s.nodes[k], fs); len(fs) > 0 {
				tail.Cross = append(tail.Cross, Crossed{Input: s.nodes[k].input, Findings: fs})
			}
		}
	}
	if s.req.Fix {
		cross := map[int]Crossed{}
		for _, c := range tail.Cross {
			cross[c.Input] = c
		}
		for _, u := range s.fixes {
			fs := u.findings
			if c, ok := cross[u.input]; ok {
				fs = c.Join(fs)
			}
			fix, err := buildFix(u.model, fs, s.loader.Env)
			if err != nil {
				return Tail{}, err
			}
			if fix != nil {
				tail.Fixes = append(tail.Fixes, fix)
			}
		}
	}
	notes := slices.Concat(s.loader.Notes, s.notes, s.suppress)
	tail.Notes = maskNotes(notes)
	return tail, nil
}

// crossFindings attributes a node's cross-node findings as its own are:
// to the lines of its environment entries kept for it, else to those of
// the node's file loaded again; then settings and suppressions.
func (s *streamer) crossFindings(n *crossNode, fs []rules.Finding) []rules.Finding {
	var rest []int
	for j := range fs {
		at := fs[j].At
		fl, ok := n.envLine(at.EnvKey)
		if at.EnvKey == "" || at.Doc != rules.DocTailscaleESC || !ok {
			rest = append(rest, j)
			continue
		}
		fs[j].File, fs[j].Line, fs[j].Message = fl.file, fl.line, rules.Mask(fs[j].Message)
	}
	var u Unit
	loaded := false
	if len(rest) > 0 || n.ignores {
		u, loaded = reload(s.loader, s.jobs[n.job].file, n.unit)
	}
	if len(rest) > 0 {
		// Pointing elsewhere: the unit's text finds the line.
		sub := make([]rules.Finding, len(rest))
		for i, j := range rest {
			sub[i] = fs[j]
		}
		if loaded {
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
	fs = s.req.Settings.Apply(fs)
	if n.ignores && loaded {
		texts := map[string][]byte{u.File: u.Source}
		for _, src := range u.Sources {
			if _, ok := texts[src.File]; !ok {
				texts[src.File] = src.Data
			}
		}
		for _, note := range Suppress(fs, func(file string) []byte { return texts[file] }) {
			// The node's own findings may have noted the comment already.
			if !slices.Contains(s.suppress, note) {
				s.suppress = append(s.suppress, note)
			}
		}
	}
	return fs
}

func (n *crossNode) envLine(key string) (fileLine, bool) {
	for _, e := range n.envLines {
		if e.key == key {
			return e.at, true
		}
	}
	return fileLine{}, false
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
