// Package talosapi is the Talos API side of tailos: a machinery client built
// from a talosconfig with talosctl's conventions (--talosconfig,
// $TALOSCONFIG, ~/.talos/config, --context, -e/--endpoints, -n/--nodes),
// fan-out over nodes through apid's node proxying with bounded concurrency,
// and typed reads of live COSI resources.
package talosapi
