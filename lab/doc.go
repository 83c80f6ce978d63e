// Package lab runs a real tailnet on one Linux machine: a Headscale control
// server and Talos-like nodes, each in its own network namespace on a shared
// bridge, every node running the Tailscale system extension the way Talos's
// extension service runs it (the service spec's entrypoint, environment and
// mounts, in a private mount and PID namespace rooted at the extension's
// rootfs, restarted per the spec's restart policy).
//
// Addresses come from 198.18.0.0/15 and the tailnet ranges only; no
// namespace has a route out of the lab. It needs Linux, root and
// /dev/net/tun.
package lab
