package schematic

import (
	"regexp"

	"github.com/tailos/tailos/secret"
)

// tailnetKey matches Tailscale auth keys and OAuth client secrets
// (tskey-auth-…, tskey-client-…) and Headscale pre-auth keys (hskey-…).
var tailnetKey = regexp.MustCompile(`\b(tskey|hskey)-([a-z]+-)?[A-Za-z0-9_-]{6,}`)

// HasSecrets reports whether the schematic's canonical text holds a
// tailnet key, e.g. in an embedded ExtensionServiceConfig. Anyone who knows
// a schematic's ID can read it from the factory, so a key there is public.
func (s *Schematic) HasSecrets() bool {
	data, err := s.Marshal()
	return err == nil && tailnetKey.Match(data)
}

// MaskSecrets replaces every tailnet key in text by its kind (secret.Mask).
func MaskSecrets(text string) string { return secret.Mask(text) }
