// Package rollout puts a tailos spec onto live Talos nodes through the
// Talos API, one node at a time: Apply reads each node's machine config,
// builds the node's patch in the shape of that config, applies it
// (ApplyConfiguration, no reboot where Talos allows it) and waits until
// doctor says the node is on the tailnet before the next; Upgrade plans and
// runs a Talos upgrade with the factory installer of each node's own
// schematic, refusing one that would drop the Tailscale extension, and
// verifies the node afterwards.
package rollout
