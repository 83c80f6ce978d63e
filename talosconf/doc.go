// Package talosconf is a thin layer over Talos's own pkg/machinery: it
// generates base machine configs for a Talos version, applies patches the
// way talosctl does, and validates the result as `talosctl validate --mode
// metal` would. Nothing here re-implements machinery; it only fixes the
// choices tailos makes (version contract, metal mode, stable secrets).
package talosconf
