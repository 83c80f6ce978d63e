package rules

import (
	"regexp"
	"strings"
)

// templateRef matches references a templating tool fills in before the
// config reaches Talos: envsubst/talhelper ${VAR} and Go templates
// {{ .Var }} (topf, Helm-style tooling).
var templateRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_.-]*\}|\{\{[^{}]*\}\}`)

// Unresolved reports whether s still holds a template reference. Rules
// never judge such a value: its real content is not in the file.
func Unresolved(s string) bool {
	// Every reference opens with one of these; most values hold neither.
	return (strings.Contains(s, "${") || strings.Contains(s, "{{")) && templateRef.MatchString(s)
}

// placeholderWord matches values written as stand-ins for a real one.
var placeholderWord = regexp.MustCompile(`(?i)^(?:<[^<>]+>|\[[^\[\]]+\]|""|''|` +
	`replace[-_ ]?me|change[-_ ]?me|changeit|fixme|todo|tbd|placeholder|redacted|secret|` +
	`x{3,}|\*{3,}|\.{3}|…|` +
	`your[-_ ]?(?:tailscale[-_ ]?)?(?:auth[-_ ]?)?(?:key|secret|token)(?:[-_ ]?here)?|` +
	`(?:ts|hs)key-(?:auth|client|api)-(?:x+|\*+|\.\.\.|…|<[^<>]*>|replace[-_ ]?me|change[-_ ]?me|your[-_a-z]*))$`)

// placeholderInside matches stand-in markers inside a longer value.
var placeholderInside = regexp.MustCompile(`(?i)replace[-_]?me|change[-_]?me|<[A-Z][A-Z0-9_-]*>`)

// Placeholder reports whether v is a literal stand-in (<TS_AUTHKEY>,
// REPLACE_ME, changeme, tskey-auth-xxxx) rather than a value or a template
// reference.
func Placeholder(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || Unresolved(v) {
		return false
	}
	return placeholderWord.MatchString(v) || placeholderInside.MatchString(v)
}
