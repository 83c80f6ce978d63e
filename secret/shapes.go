package secret

import (
	"regexp"
	"strings"
)

// OAuthClientPrefix starts a Tailscale OAuth client secret, which
// containerboot accepts as TS_AUTHKEY and exchanges for an auth key.
const OAuthClientPrefix = "tskey-client-"

// IsOAuthClientSecret reports whether v is a Tailscale OAuth client secret.
func IsOAuthClientSecret(v string) bool { return strings.HasPrefix(v, OAuthClientPrefix) }

// Contains reports whether s holds anything Mask hides.
func Contains(s string) bool { return Mask(s) != s }

// Redact is what may be shown of a value known to be a credential: its
// type prefix (hskey-auth-…) or, for a prefix-less key, nothing but "…".
func Redact(v string) string {
	if k := Kind(v); k != "" {
		return k
	}
	return "…"
}

// bareKey is a Headscale v0.27 key: hex that no prefix announces (or the
// prefixed form with a hex body).
var bareKey = regexp.MustCompile(`(hskey-[a-z]+-|tskey-[a-z]+-)?[0-9a-f]{40,}`)

// MaskLog is Mask for the logs of a Headscale server and the nodes it
// serves, where keys may be bare hex: every run of 40 or more hex digits is
// cut too. Not for text that carries digests or schematic IDs one wants
// to read, which look the same.
func MaskLog(s string) string { return Mask(bareKey.ReplaceAllStringFunc(s, Redact)) }
