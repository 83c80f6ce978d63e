// Package deptest writes the module's package layering down once (see
// Layers) and its test fails when a package imports one from a higher
// layer, when a library package imports the CLI, or when a package has no
// layer yet. Same-layer imports are allowed; Go forbids the cycles.
package deptest
