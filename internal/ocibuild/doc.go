// Package ocibuild assembles small reproducible OCI images: one layer from
// an in-memory file list, written with fixed owners, modes and timestamps,
// on an empty base, and multi-architecture indexes of them. The Tailscale
// extension and the tailos image are both built this way.
package ocibuild
