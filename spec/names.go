package spec

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/resources/network"
)

// maxKernelArgsBytes is the kernel's COMMAND_LINE_SIZE on amd64 and arm64:
// a longer command line is cut off at boot, and Talos adds its own args.
const maxKernelArgsBytes = 2048

// ValidNodeName reports why name cannot be a node name, or nil. A node
// name becomes a Talos hostname, a file name (nodes/NAME.yaml) and a word
// in generated shell commands, so it follows Talos's hostname rules (its
// own HostnameSpec check: a first label of at most 63 bytes, at most 253
// in all) with labels of letters, digits and inner dashes — no "/", "..",
// spaces or shell metacharacters can get through.
func ValidNodeName(name string) error {
	for _, l := range strings.Split(name, ".") {
		if !labelRe.MatchString(l) {
			return fmt.Errorf("%q is not a valid hostname (dot-separated labels of letters, digits and inner dashes, each at most 63 long)", clipValue(name))
		}
	}
	var h network.HostnameSpecSpec
	if err := h.ParseFQDN(name); err != nil {
		return fmt.Errorf("%q is not a valid Talos hostname: %w", clipValue(name), err)
	}
	return nil
}

// safety rejects what would escape the output directory, overflow what the
// result feeds, or leak a credential into the generated files.
func (v *validator) safety() {
	for i, n := range v.s.Nodes {
		if n.Name == "" {
			continue // reported as required
		}
		if err := ValidNodeName(n.Name); err != nil {
			v.add(err.Error(), "nodes", i, "name")
		}
	}
	total := 0
	for _, a := range v.s.Cluster.KernelArgs {
		total += len(a) + 1
	}
	if total > maxKernelArgsBytes {
		v.add(fmt.Sprintf("%d kernel args take %d bytes; the kernel command line holds %d", len(v.s.Cluster.KernelArgs), total, maxKernelArgsBytes), "cluster", "kernelArgs")
	}
	if u, err := url.Parse(v.s.Cluster.Endpoint); err == nil && u.Host != "" {
		// The endpoint goes into talosctl commands: a host only.
		host := u.Hostname()
		if _, aerr := netip.ParseAddr(host); aerr != nil && ValidNodeName(host) != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			v.add(fmt.Sprintf("%q is not https://HOST:PORT with an IP address or DNS name", clipValue(v.s.Cluster.Endpoint)), "cluster", "endpoint")
		}
	}
	if f := v.s.Cluster.Factory; f != "" {
		if u, err := url.Parse(f); err == nil && u.User != nil {
			// NEXT-STEPS.md and the patches are meant to be shared.
			v.add("holds credentials (user:password@); the generated files are shared, so give the factory URL without them", "cluster", "factory")
		}
	}
}

// clipValue keeps an echoed value short: the input may be huge.
func clipValue(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
