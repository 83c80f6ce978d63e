package spec

import (
	"fmt"
	"strings"

	"github.com/tailos/tailos/internal/userfile"
	"github.com/tailos/tailos/secret"
)

// RefKind says where a secret lives.
type RefKind int

// Secret reference kinds.
const (
	RefInline RefKind = iota
	RefEnv
	RefFile
)

// SecretRef is a parsed auth reference: env:NAME, file:PATH or inline.
type SecretRef struct {
	Kind  RefKind
	Value string // the variable name, the path, or the secret itself
}

// ParseSecretRef parses a reference without resolving it.
func ParseSecretRef(s string) SecretRef {
	switch {
	case strings.HasPrefix(s, "env:"):
		return SecretRef{RefEnv, strings.TrimPrefix(s, "env:")}
	case strings.HasPrefix(s, "file:"):
		return SecretRef{RefFile, strings.TrimPrefix(s, "file:")}
	}
	return SecretRef{RefInline, s}
}

// Placeholder is the variable name the patches carry when secrets are not
// resolved: the env name, or TS_AUTHKEY for files and inline values.
func (r SecretRef) Placeholder() string {
	if r.Kind == RefEnv {
		return r.Value
	}
	return "TS_AUTHKEY"
}

// String describes the reference without revealing an inline secret.
func (r SecretRef) String() string {
	switch r.Kind {
	case RefEnv:
		// A key put where the variable name belongs is still a key.
		return secret.Mask("env:" + r.Value)
	case RefFile:
		return secret.Mask("file:" + r.Value)
	}
	return "(inline secret)"
}

// Resolve reads the secret. Errors name the reference, never the value.
func (r SecretRef) Resolve(lookupEnv func(string) (string, bool)) (string, error) {
	switch r.Kind {
	case RefEnv:
		v, ok := lookupEnv(r.Value)
		if !ok || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("environment variable %s is not set", r.Value)
		}
		return strings.TrimSpace(v), nil
	case RefFile:
		b, err := userfile.Read(r.Value, userfile.SecretLimit)
		if err != nil {
			return "", fmt.Errorf("reading auth file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("auth file %s is empty", r.Value)
		}
		return v, nil
	}
	return r.Value, nil
}

// AuthRef is the tailnet's credential reference and whether it is an OAuth
// client secret.
func (s *Spec) AuthRef() (ref SecretRef, oauth bool) {
	if s.Tailnet.Auth.OAuthSecret != "" {
		return ParseSecretRef(s.Tailnet.Auth.OAuthSecret), true
	}
	return ParseSecretRef(s.Tailnet.Auth.AuthKey), false
}
