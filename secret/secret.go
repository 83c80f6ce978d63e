// Package secret is tailos's one masking function: every value that may
// hold a credential — error messages, notes, reports, printed environments,
// documents meant for humans — goes through Mask before it is shown or
// written.
package secret

import (
	"regexp"
	"strings"
)

// prefixes are the shapes of Tailscale and Headscale credentials, longest
// first so the most specific kind is named.
var prefixes = []string{"tskey-auth-", "tskey-client-", "tskey-api-", "tskey-", "hskey-auth-", "hskey-api-", "hskey-"}

// Kind names the credential type of v ("" if v is not one); only the
// prefix is ever shown, e.g. "tskey-auth-…".
func Kind(v string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(v, p) {
			return p + "…"
		}
	}
	return ""
}

var (
	// user:password@ in a URL.
	userinfoRe = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s"']+@`)
	// Assignments whose value is a credential whatever its shape.
	assignRe = regexp.MustCompile(`\b(TS_AUTHKEY|TS_AUTH_KEY|TS_CLIENT_SECRET|TS_API_KEY|HEADSCALE_API_KEY)=("?)([^\s"',&?]+)|(--auth-?key)(=|\s+)("?)([^\s"',&?]+)`)
)

// Mask hides credentials in s: every tskey-/hskey- token is cut to its type
// prefix (tskey-auth-…), also when YAML folded it over several lines; the
// user:password@ of a URL becomes …@; the value of TS_AUTHKEY=… and
// --auth-key … is hidden whatever its shape, unless it is a file: path. Mask is idempotent.
func Mask(s string) string {
	s = maskTokens(s)
	// The regexps run only on text holding what they need to match: most
	// messages hold none, and Mask is on every finding's path.
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		s = userinfoRe.ReplaceAllString(s, "${1}…@")
	}
	if !hasAssignName(s) {
		return s
	}
	return assignRe.ReplaceAllStringFunc(s, maskAssign)
}

// maskAssign hides the value of one match of assignRe.
func maskAssign(m string) string {
	p := assignRe.FindStringSubmatch(m)
	name, sep, q, v := p[1], "=", p[2], p[3]
	if name == "" {
		name, sep, q, v = p[4], p[5], p[6], p[7]
	}
	if strings.HasSuffix(v, "…") || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "file:") {
		return m // already masked, a placeholder, or where the key is read from
	}
	return name + sep + q + "…"
}

// assignNames are the literal parts every match of assignRe holds one of.
var assignNames = []string{"TS_AUTHKEY", "TS_AUTH_KEY", "TS_CLIENT_SECRET", "TS_API_KEY", "HEADSCALE_API_KEY", "--auth"}

func hasAssignName(s string) bool {
	for _, n := range assignNames {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

func maskTokens(s string) string {
	if nextMarker(s, 0) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := nextMarker(s, i)
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i:j])
		end := tokenEnd(s, j)
		// A folded scalar goes on on the next line, indented, when that
		// line holds nothing but token characters.
		for end < len(s) && s[end] == '\n' {
			k := end + 1
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			e := tokenEnd(s, k)
			if k == end+1 || e == k || (e < len(s) && s[e] != '\n') {
				break
			}
			end = e
		}
		tok := s[j:end]
		kind := Kind(tok)
		if len(tok) <= len(kind)-len("…") {
			b.WriteString(tok) // a bare prefix: no key material
		} else {
			b.WriteString(kind)
		}
		i = end
	}
	return b.String()
}

// nextMarker finds the next tskey-/hskey- at a word start from i.
func nextMarker(s string, i int) int {
	for {
		a, h := strings.Index(s[i:], "tskey-"), strings.Index(s[i:], "hskey-")
		j := a
		if j < 0 || (h >= 0 && h < j) {
			j = h
		}
		if j < 0 {
			return -1
		}
		j += i
		if j == 0 || !isTokenByte(s[j-1]) {
			return j
		}
		i = j + 1
	}
}

func tokenEnd(s string, i int) int {
	for i < len(s) && isTokenByte(s[i]) {
		i++
	}
	return i
}

func isTokenByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
