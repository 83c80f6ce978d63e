package lint

import "github.com/tailos/tailos/rules"

// CheckNodes runs the cross-node rules on the models of one input (the
// nodes of a talhelper file, or the files of one invocation) and returns
// each node's findings, attributed to file and line like CheckUnit's and
// with credentials masked, in the order of models. units[i] is the unit
// models[i] was built from.
func CheckNodes(models []*rules.Config, units []Unit) [][]rules.Finding {
	facts := make([]*rules.NodeFacts, len(models))
	for i, m := range models {
		facts[i] = &m.NodeFacts
	}
	out := rules.RunNodes(facts)
	for i, fs := range out {
		if len(fs) == 0 || i >= len(units) {
			continue
		}
		if len(units[i].Sources) > 0 {
			Attribute(fs, units[i])
			continue
		}
		idx := NewIndex(units[i].Source)
		for j := range fs {
			fs[j].Line = idx.Line(fs[j].At)
			fs[j].Message = rules.Mask(fs[j].Message)
		}
	}
	return out
}

// Groups splits units into the inputs cross-node rules compare: every
// talhelper file is one cluster; all other units of an invocation form one
// more group. It returns indexes into units.
func Groups(units []Unit) [][]int {
	byFile := map[string][]int{}
	var files []string
	var rest []int
	for i, u := range units {
		if u.Kind != "talhelper" {
			rest = append(rest, i)
			continue
		}
		if _, ok := byFile[u.File]; !ok {
			files = append(files, u.File)
		}
		byFile[u.File] = append(byFile[u.File], i)
	}
	var out [][]int
	for _, f := range files {
		out = append(out, byFile[f])
	}
	if len(rest) > 0 {
		out = append(out, rest)
	}
	return out
}
