package plan

import (
	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/spec"
)

// OAuthAttributes make a Tailscale OAuth client secret mint keys for
// servers: not ephemeral (the default would delete nodes when offline) and
// pre-approved (feature/oauthkey in tailscale).
const OAuthAttributes = "?ephemeral=false&preauthorized=true"

// Auth says how TS_AUTHKEY is formed.
type Auth struct {
	Ref   spec.SecretRef
	OAuth bool
	// Placeholder is the variable the patches reference, e.g. TS_AUTHKEY.
	Placeholder string
}

func authFor(s *spec.Spec) Auth {
	ref, oauth := s.AuthRef()
	return Auth{Ref: ref, OAuth: oauth, Placeholder: ref.Placeholder()}
}

// PlaceholderValue is TS_AUTHKEY's value in a patch without secrets.
func (a Auth) PlaceholderValue() string { return a.Value("${" + a.Placeholder + "}") }

// Value is TS_AUTHKEY's value for a resolved secret.
func (a Auth) Value(secret string) string {
	if a.OAuth {
		return secret + OAuthAttributes
	}
	return secret
}

// EnvEntry is the ExtensionServiceConfig environment entry for a value.
func (a Auth) EnvEntry(value string) string { return "TS_AUTHKEY=" + value }

// SecretDocument is the ExtensionServiceConfig carrying the resolved
// credential; it merges into the node patch's (SeparateAuth), so the
// placeholder never reaches the node.
func (a Auth) SecretDocument(secret string) config.Document {
	esc := extensions.NewServicesConfigV1Alpha1()
	esc.ServiceName = tailscaleext.ServiceName
	esc.ServiceEnvironment = []string{a.EnvEntry(a.Value(secret))}
	return esc
}
