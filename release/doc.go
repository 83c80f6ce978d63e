// Package release builds a tailos release from a source tree: static,
// reproducible binaries for every target (-trimpath, no build ID, version
// stamped through -ldflags), one .tar.gz archive and one CycloneDX SBOM per
// target, a SHA256SUMS file that `sha256sum -c` verifies, and an OCI image
// index (linux/amd64 and linux/arm64: the binary and CA certificates on an
// empty base). The same commit gives the same bytes.
package release
