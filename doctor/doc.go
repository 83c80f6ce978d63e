// Package doctor diagnoses Tailscale on live Talos nodes. Gather reads a
// node through the Talos API (talosapi) into Evidence; Evaluate turns
// Evidence into Checks, each with a stable ID, a status, a one-line finding
// and a remedy; the tailnet checks do the same for the node's device as the
// control server sees it. Run does both for a fleet.
//
// Gathering and evaluation are separate so that evaluation is a pure
// function of what the node reported, and so that a reader-role client
// still gets every check it can answer.
package doctor
