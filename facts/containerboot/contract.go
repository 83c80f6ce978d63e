// Package containerboot holds the environment contract of Tailscale's
// cmd/containerboot, the program the Talos extension runs, per Tailscale
// release tailos keeps: the variables containerboot reads, every TS_* and
// TAILSCALE_* name the rest of tailscale.com reads, and the flags of
// `tailscale up`. The lists are generated from the module sources by
// gen.sh (go generate) and checked against them by the tests. It imports
// nothing of tailos.
package containerboot

import (
	"slices"
	"strings"

	"github.com/tailos/tailos/facts/imagefactory"
)

//go:generate sh gen.sh 1.96.5 1.102.3

// releases are the Tailscale releases whose contract is kept, oldest
// first; gen.sh takes the same list.
var releases = []string{"1.96.5", "1.102.3"}

// Latest is the newest release whose contract is kept.
const Latest = "1.102.3"

// Releases are the Tailscale releases whose contract is kept, oldest first.
func Releases() []string { return slices.Clone(releases) }

// Vars are the variables containerboot of release reads, sorted (nil for
// a release not kept). Shared: do not modify.
func Vars(release string) []string { return containerbootEnv[release] }

// Reads reports whether containerboot of release reads name.
func Reads(release, name string) bool { return slices.Contains(containerbootEnv[release], name) }

// Known reports whether some part of tailscale.com release reads name
// (containerboot, tailscaled, envknob); with release "" any kept release
// counts.
func Known(release, name string) bool {
	for rel, names := range tailscaleEnv {
		if (release == "" || rel == release) && slices.Contains(names, name) {
			return true
		}
	}
	return false
}

// UpFlags are the flags of `tailscale up` in release (without "--").
// Shared: do not modify.
func UpFlags(release string) []string { return upFlags[release] }

// FlagVars maps the variables containerboot turns into `tailscale up`
// flags when set and non-empty (cmd/containerboot/tailscaled.go
// tailscaleUp, v1.96.5 and v1.102.3) to the flag it passes, by the flag's
// canonical name (containerboot writes --authkey, an alias of --auth-key).
// TS_AUTHKEY and TS_AUTH_KEY both give it (TS_AUTHKEY wins), TS_ROUTES
// gives --advertise-routes even when empty, and --accept-dns is always
// passed. A flag repeated in TS_EXTRA_ARGS is
// fatal since Tailscale 1.84.
func FlagVars() map[string]string {
	return map[string]string{
		"TS_AUTHKEY":       "auth-key",
		"TS_AUTH_KEY":      "auth-key",
		"TS_CLIENT_ID":     "client-id",
		"TS_CLIENT_SECRET": "client-secret",
		"TS_ID_TOKEN":      "id-token",
		"TS_AUDIENCE":      "audience",
		"TS_HOSTNAME":      "hostname",
		"TS_ROUTES":        "advertise-routes",
	}
}

// BundledWith is the kept release whose contract the official extension
// of a Talos release follows: 1.96.x up to Talos 1.13 (extensions v1.13.0
// bundle 1.96.4), 1.102.x from Talos 1.14.1 (extensions v1.14.1: 1.102.3).
// "" when unknown: no version, or Talos 1.14.0, whose extension had a
// 1.98-1.102 release not confirmed here. A version that does not parse
// counts as current.
func BundledWith(talosVersion string) string {
	v := strings.TrimPrefix(talosVersion, "v")
	switch {
	case v == "":
		return ""
	case imagefactory.TalosBefore(v, 1, 14):
		return releases[0]
	case v == "1.14.0":
		return ""
	}
	return Latest
}
