// Package version reports what a tailos binary is: its own version (stamped
// by the release build, else read from the Go build info) and the versions
// of everything it targets and bundles, each read from the one place the
// code defines it.
package version
