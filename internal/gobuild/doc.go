// Package gobuild builds Go programs from a module at an exact version into
// a cache directory: once per version, under a lock shared by every process
// that wants the same entry, with a stamp saying what was built from what,
// installed atomically, and with progress while the build runs.
//
// The extension's Tailscale binaries and MSS clamp, the lab's Headscale and
// the lab node's machined and containerd are all built with it.
package gobuild
