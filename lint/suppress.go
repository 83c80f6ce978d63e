package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tailos/tailos/rules"
)

// ignoreComment matches `# tailos:ignore TS040[,TS041] reason`.
var ignoreComment = regexp.MustCompile(`#\s*tailos:ignore\s+([A-Za-z0-9, ]*?[0-9])(?:\s+(.*?))?\s*$`)

// Suppress marks the findings an inline `# tailos:ignore RULE reason`
// comment silences: on the finding's own line, or on the comment lines
// directly above it. source returns a file's content (nil if unknown). It
// returns notes about comments naming rules that do not exist.
func Suppress(fs []rules.Finding, source func(file string) []byte) []string {
	lines := map[string][]string{}
	var notes []string
	noted := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		if f.Line <= 0 || f.Suppressed != nil {
			continue
		}
		ls, ok := lines[f.File]
		if !ok {
			ls = strings.Split(string(source(f.File)), "\n")
			lines[f.File] = ls
			for n, l := range ls {
				m := ignoreComment.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
					if _, ok := rules.Lookup(id); !ok && !noted[id] {
						noted[id] = true
						notes = append(notes, fmt.Sprintf("%s:%d: tailos:ignore names no rule %q", f.File, n+1, id))
					}
				}
			}
		}
		if f.Line > len(ls) {
			continue
		}
		if reason, ok := ignores(ls[f.Line-1], f.Rule); ok {
			f.Suppressed = &rules.Suppression{Kind: "inSource", Justification: reason}
			continue
		}
		// Comment lines directly above the finding.
		for n := f.Line - 2; n >= 0; n-- {
			l := strings.TrimSpace(ls[n])
			if !strings.HasPrefix(l, "#") {
				break
			}
			if reason, ok := ignores(l, f.Rule); ok {
				f.Suppressed = &rules.Suppression{Kind: "inSource", Justification: reason}
				break
			}
		}
	}
	return notes
}

// ignores reports whether line carries an ignore comment for rule.
func ignores(line, rule string) (reason string, ok bool) {
	m := ignoreComment.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
		if strings.EqualFold(id, rule) {
			return m[2], true
		}
	}
	return "", false
}
