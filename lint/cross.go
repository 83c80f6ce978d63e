package lint

import "github.com/tailos/tailos/rules"

// CheckNodes runs the cross-node rules on the models of one input (the
// nodes of a talhelper file, or the files of one invocation) and returns
// each node's findings, lines resolved against its source and credentials
// masked, in the order of models.
func CheckNodes(models []*rules.Config, sources [][]byte) [][]rules.Finding {
	out := rules.RunNodes(models)
	for i, fs := range out {
		var idx *Index
		if i < len(sources) && len(sources[i]) > 0 && len(fs) > 0 {
			idx = NewIndex(sources[i])
		}
		for j := range fs {
			if idx != nil {
				fs[j].Line = idx.Line(fs[j].At)
			}
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
