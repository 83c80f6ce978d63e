// Package extension builds, validates and inspects the Tailscale system
// extension for Talos Linux: an OCI image holding manifest.yaml and a rootfs
// with the ext-tailscale service spec and static containerboot, tailscaled
// and tailscale binaries built from any tailscale.com release.
//
// Builds are reproducible (fixed timestamps, owners, modes and entry order),
// and every image is unpacked and checked with Talos's own extension loader,
// content validator and service-spec validator before it is written.
package extension
