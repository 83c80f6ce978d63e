// Package lab runs a real tailnet on one Linux machine: a Headscale control
// server and real Talos v1.14.1 nodes (machined in Talos's container
// platform mode, see package talosnode), each in its own namespaces on a
// shared bridge, every node running the built Tailscale system extension
// as ext-tailscale with the config `tailos gen` generates. RuntimeEmulated
// runs the extension's container alone instead (faster, proves less).
//
// Other packages' tests use it through one call:
//
//	l, err := lab.Up(ctx, lab.Options{Dir: dir, Nodes: 3})
//	defer l.Down(context.Background())
//	l.TalosconfigPath()            // talosconfig, context "tailos-lab"
//	l.Nodes[i].Addr                // node i's Talos API endpoint (port 50000)
//	c, _ := l.TalosClient(ctx, "") // machinery's client (client.WithNodes(ctx, addrs...) fans out)
//	l.DialContext                  // dial the lab from its bridge (e.g. a gRPC or HTTP dialer)
//	l.Headscale.URL                // Headscale, REST API under /api/v1 (CA: l.Headscale.CA)
//	api, _ := l.TailnetAPI(ctx, time.Hour) // its tailnet API (tailnet.Headscale), as doctor and rollout take it
//	l.ApplyConfig(ctx, "node-1", cfg) // ApplyConfiguration, no reboot
//
// lab.Start runs a lab that outlives its caller, as `tailos lab up` does: a
// supervisor in its own session (lab.Supervise) keeps it up and answers on
// its control socket (lab.Call) until a "down" request.
//
// The test binary (or program) must dispatch the re-executed helpers first
// thing, with lab.RunReexec: the reaper, a node's init, a container's init
// and Start's supervisor (see this package's TestMain). Package labtest
// does that for tests, and ties a lab to a test's lifetime.
//
// Addresses come from 198.18.0.0/15 and the tailnet ranges only; no
// namespace has a route out of the lab. It needs Linux, root,
// /dev/net/tun, cgroup v2 and overlayfs (Preflight).
package lab
