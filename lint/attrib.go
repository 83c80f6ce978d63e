package lint

import (
	"strings"

	"github.com/tailos/tailos/rules"
)

// fullLine is the line of loc in the index when the whole field path (or
// the environment entry) is there; ok is false for a partial match.
func (x *Index) fullLine(loc rules.Loc) (int, bool) {
	if loc.EnvKey != "" {
		l := x.envLine(loc.EnvKey)
		return l, l > 0
	}
	for _, c := range x.chunks {
		if !c.holds(loc.Doc) {
			continue
		}
		if d := c.doc(); d != nil {
			if l, full := walkFull(d, loc.Path); full {
				return l, true
			}
		}
	}
	return 0, false
}

// CheckUnit runs the catalogue on a unit's model and attributes each
// finding to the file and line that state it. A talhelper node is built
// from its talconfig and the patch files it names, so a finding points at
// the last patch file that sets the field or holds the environment entry
// (later patches win; of a duplicated variable runc keeps the last), else
// at the talconfig line of the node field it comes from.
func CheckUnit(m *rules.Config, u Unit) []rules.Finding {
	if len(u.Sources) == 0 {
		return Check(m, u.Source)
	}
	fs := rules.Run(m)
	Attribute(fs, u)
	return fs
}

// Attribute sets File and Line of findings on a multi-source unit and
// masks credentials in their messages.
func Attribute(fs []rules.Finding, u Unit) {
	idx := make([]*Index, len(u.Sources))
	index := func(i int) *Index {
		if idx[i] == nil {
			idx[i] = NewIndex(u.Sources[i].Data)
		}
		return idx[i]
	}
	for i := range fs {
		f := &fs[i]
		f.Message = rules.Mask(f.Message)
		f.File, f.Line = u.File, 0
		found := false
		for j := len(u.Sources) - 1; j >= 0; j-- {
			if l, ok := index(j).fullLine(f.At); ok {
				f.File, f.Line, found = u.Sources[j].File, l, true
				break
			}
		}
		if found {
			continue
		}
		if l := nodeFieldLine(u.Lines, f.At); l > 0 {
			f.Line = l
			continue
		}
		f.Line = index(0).Line(f.At)
	}
}

// nodeFieldLine maps a field path to the talconfig line of the node field
// it was rendered from (talosImageURL → machine.install.image, …): the
// longest matching prefix wins.
func nodeFieldLine(lines map[string]int, loc rules.Loc) int {
	if len(lines) == 0 {
		return 0
	}
	p := strings.Join(loc.Path, ".")
	if loc.EnvKey != "" || loc.Doc == rules.DocTailscaleESC {
		p = "extensionServices"
	}
	best, bestLen := 0, -1
	for prefix, l := range lines {
		if (p == prefix || strings.HasPrefix(p, prefix+".")) && len(prefix) > bestLen {
			best, bestLen = l, len(prefix)
		}
	}
	return best
}
