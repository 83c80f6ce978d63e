// Package imagefactory holds the forms Talos Image Factory defines:
// schematic IDs, the empty schematic, official extension names and
// installer image references. It imports nothing of tailos but
// facts/tailscaleext.
package imagefactory

import (
	"fmt"
	"regexp"
	"strings"
)

const (
	// DefaultURL is the public Image Factory.
	DefaultURL = "https://factory.talos.dev"
	// DefaultHost is DefaultURL's registry host, where installer images are pulled.
	DefaultHost = "factory.talos.dev"
	// EmptySchematicID is the ID of the empty schematic ("{}"): the
	// installer `talosctl upgrade` uses without --image, and talhelper's
	// and topf's default. It carries no extensions.
	EmptySchematicID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidateSchematicID checks the form of a schematic ID: 64 lower-case hex
// digits (the hex SHA-256 of the schematic's canonical YAML).
func ValidateSchematicID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("invalid schematic ID %q: want 64 lower-case hex digits", id)
	}
	return nil
}

// extensionName is the form of official extension names: the image
// repository path under the extensions registry, "owner/name", each part
// lower-case alphanumerics joined by single '.', '_' or '-' (the OCI
// distribution spec's path component).
var extensionName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// ValidateExtensionName reports whether name has the owner/name form of an
// official extension. Every place that accepts an extension name (a
// schematic, a tailos spec, a command-line flag) checks it with this.
func ValidateExtensionName(name string) error {
	if !extensionName.MatchString(name) {
		return fmt.Errorf("invalid extension name %q: official extensions are named owner/name in lower case, e.g. siderolabs/iscsi-tools", name)
	}
	return nil
}

// OfficialOwner owns the official extensions (ghcr.io/siderolabs/<name>).
const OfficialOwner = "siderolabs"

// OfficialName is the name schematics list an official extension by, from
// the name its manifest states ("tailscale" → "siderolabs/tailscale"); a
// name that already has an owner is returned as it is.
func OfficialName(manifestName string) string {
	if strings.Contains(manifestName, "/") {
		return manifestName
	}
	return OfficialOwner + "/" + manifestName
}
