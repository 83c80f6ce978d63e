package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tailos/tailos/facts/yamlerr"
	"github.com/tailos/tailos/rules"
)

// SettingsFile is the linter configuration `tailos check` looks for in the
// working directory and its parents (up to the repository root).
const SettingsFile = ".tailos.yaml"

// Settings configure which rules run and at which severity.
type Settings struct {
	// Disable lists rules that do not run; Enable re-enables rules a
	// configuration file disabled (the command line wins over the file).
	Disable []string
	Enable  []string
	// Severity overrides a rule's severity for every finding it raises.
	Severity map[string]rules.Severity
	// File is where the settings came from, "" for none.
	File string
}

// ParseSeverity accepts error, warning and info (note, as SARIF says it).
func ParseSeverity(s string) (rules.Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return rules.Error, nil
	case "warning", "warn":
		return rules.Warning, nil
	case "info", "note":
		return rules.Info, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// ParseRuleList splits "TS001,ts040" into canonical rule IDs, rejecting
// unknown ones.
func ParseRuleList(s string) ([]string, error) {
	var out []string
	for _, id := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		r, ok := rules.Lookup(id)
		if !ok {
			return nil, fmt.Errorf("no rule %q (see tailos check --list-rules)", id)
		}
		out = append(out, r.ID)
	}
	return out, nil
}

// FindSettings returns the settings file in dir or the nearest parent,
// stopping at a repository root (a directory holding .git); "" if none.
func FindSettings(dir string) string {
	for {
		p := filepath.Join(dir, SettingsFile)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// LoadSettings reads a settings file: the keys disable, enable and
// severity, either at the top level or under a `check:` section (the
// file's other top-level keys then belong to other commands, as in a
// tailos spec, which without a check: section holds no settings). Unknown keys
// and rules are errors naming the file and line.
func LoadSettings(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, err
	}
	s, err := parseSettings(data)
	if err != nil {
		var ye *yamlerr.Error
		if errors.As(err, &ye) {
			located := *ye
			located.File = path
			return Settings{}, &located
		}
		return Settings{}, fmt.Errorf("%s: %w", path, err)
	}
	s.File = path
	return s, nil
}

func parseSettings(data []byte) (Settings, error) {
	var s Settings
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) || strings.TrimSpace(string(data)) == "" {
			return s, nil
		}
		return s, &yamlerr.Error{Line: 1, Msg: "not YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return s, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return s, &yamlerr.Error{Line: root.Line, Msg: "want a mapping of settings"}
	}
	section := root
	if child(root, "check") == nil && (child(root, "cluster") != nil || child(root, "tailnet") != nil) {
		return s, nil // a tailos spec without a check: section
	}
	if c := child(root, "check"); c != nil {
		section = c
		if section.Kind != yaml.MappingNode {
			return s, &yamlerr.Error{Line: section.Line, Msg: "check: want a mapping (disable, enable, severity)"}
		}
	}
	for i := 0; i+1 < len(section.Content); i += 2 {
		k, v := section.Content[i], section.Content[i+1]
		switch k.Value {
		case "disable", "enable":
			ids, err := ruleSeq(k.Value, v)
			if err != nil {
				return s, err
			}
			if k.Value == "disable" {
				s.Disable = ids
			} else {
				s.Enable = ids
			}
		case "severity":
			if v.Kind != yaml.MappingNode {
				return s, &yamlerr.Error{Line: v.Line, Msg: "severity: want a mapping of rule ID to error, warning or info"}
			}
			s.Severity = map[string]rules.Severity{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				r, ok := rules.Lookup(v.Content[j].Value)
				if !ok {
					return s, &yamlerr.Error{Line: v.Content[j].Line, Msg: fmt.Sprintf("severity: no rule %q", v.Content[j].Value)}
				}
				sev, err := ParseSeverity(v.Content[j+1].Value)
				if err != nil {
					return s, &yamlerr.Error{Line: v.Content[j+1].Line, Msg: "severity." + r.ID + ": " + err.Error()}
				}
				s.Severity[r.ID] = sev
			}
		default:
			if section == root {
				return s, &yamlerr.Error{Line: k.Line, Msg: fmt.Sprintf("unknown key %q (want disable, enable, severity, or a check: section)", k.Value)}
			}
			return s, &yamlerr.Error{Line: k.Line, Msg: fmt.Sprintf("check.%s: unknown key (want disable, enable, severity)", k.Value)}
		}
	}
	return s, nil
}

func ruleSeq(key string, v *yaml.Node) ([]string, error) {
	var items []*yaml.Node
	switch v.Kind {
	case yaml.SequenceNode:
		items = v.Content
	case yaml.ScalarNode:
		items = []*yaml.Node{v}
	default:
		return nil, &yamlerr.Error{Line: v.Line, Msg: key + ": want a list of rule IDs"}
	}
	var out []string
	for _, it := range items {
		ids, err := ParseRuleList(it.Value)
		if err != nil {
			return nil, &yamlerr.Error{Line: it.Line, Msg: key + ": " + err.Error()}
		}
		out = append(out, ids...)
	}
	return out, nil
}

// Override returns s with the command line's settings on top: its
// disables and enables are added (an enable wins over any disable), its
// severities replace the file's.
func (s Settings) Override(cli Settings) Settings {
	out := Settings{File: s.File, Severity: map[string]rules.Severity{}}
	out.Disable = append(slices.Clone(s.Disable), cli.Disable...)
	out.Enable = append(slices.Clone(s.Enable), cli.Enable...)
	for k, v := range s.Severity {
		out.Severity[k] = v
	}
	for k, v := range cli.Severity {
		out.Severity[k] = v
	}
	return out
}

// Enabled reports whether rule id runs under these settings.
func (s Settings) Enabled(id string) bool {
	return !slices.Contains(s.Disable, id) || slices.Contains(s.Enable, id)
}

// Apply drops the findings of disabled rules and applies severity
// overrides. It returns a new slice.
func (s Settings) Apply(fs []rules.Finding) []rules.Finding {
	out := make([]rules.Finding, 0, len(fs))
	for _, f := range fs {
		if !s.Enabled(f.Rule) {
			continue
		}
		if sev, ok := s.Severity[f.Rule]; ok {
			f.Severity = sev
		}
		out = append(out, f)
	}
	return out
}
