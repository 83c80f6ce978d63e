package doctor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	machineapi "github.com/siderolabs/talos/pkg/machinery/api/machine"

	"github.com/tailos/tailos/facts/tailnetip"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/lint"
	"github.com/tailos/tailos/rules"
	"github.com/tailos/tailos/talosapi"
)

// Stable check IDs of the Talos side.
const (
	IDExtension   = "extension.installed"
	IDUpgradeSafe = "extension.upgrade-safe"
	IDService     = "service.running"
	IDCrashLoop   = "service.crashloop"
	IDLink        = "link.tailscale0"
	IDMTU         = "link.mtu"
	IDAddress     = "tailnet.address"
	IDNodeIP      = "kubelet.nodeip"
	IDEtcd        = "etcd.addresses"
	IDResolver    = "dns.resolver"
	IDKubeSpan    = "kubespan.endpoints"
	IDConfig      = "config.lint"
)

// IsTailnetAddr reports whether a is in the tailnet's address ranges
// (Tailscale's, and Headscale's defaults).
func IsTailnetAddr(a netip.Addr) bool { return tailnetip.Contains(a) }

// model builds the lint model of the live config (nil when unreadable).
func model(ev *Evidence, exp Expect) *rules.Config {
	if ev.Config == nil {
		return nil
	}
	schematics := map[string][]string{}
	if ev.Schematic != nil && hasTailscale(ev) {
		// The node booted this schematic and runs the extension, so the
		// schematic carries it.
		schematics[ev.Schematic.SchematicID] = []string{tailscaleext.Name}
	}
	return lint.BuildModel(ev.Config, lint.Options{Mode: exp.Mode, Node: ev.Node, Schematics: schematics, TalosVersion: ev.TalosVersion})
}

// Evaluate runs the Talos-side checks on what a node reported.
func Evaluate(ev *Evidence, exp Expect) []Check {
	m := model(ev, exp)
	mode, modeWhy := exp.Mode, "from the spec"
	switch {
	case mode != "":
	case m != nil && m.Mode != "":
		mode, modeWhy = m.Mode, m.ModeReason
	default:
		mode, modeWhy = rules.ModeManagement, "assumed (the machine config is not readable)"
	}
	checks := []Check{
		checkExtension(ev),
		checkUpgradeSafe(ev, m),
		checkService(ev),
		checkCrashLoop(ev),
		checkLink(ev),
		checkMTU(ev, m, exp),
		checkAddress(ev),
		checkNodeIP(ev, mode, modeWhy),
	}
	if c, ok := checkEtcd(ev, mode, modeWhy); ok {
		checks = append(checks, c)
	}
	checks = append(checks, checkResolver(ev))
	if c, ok := checkKubeSpan(ev, mode); ok {
		checks = append(checks, c)
	}
	checks = append(checks, checkConfig(ev, m)...)
	for i := range checks {
		checks[i].Message = rules.Mask(checks[i].Message)
		checks[i].Remedy = rules.Mask(checks[i].Remedy)
	}
	return checks
}

func unknown(id string, err error, what string) Check {
	msg := talosapi.Explain(err)
	if talosapi.IsPermissionDenied(err) {
		msg = what + " needs os:admin; the talosconfig's role may not read it"
	}
	return Check{ID: id, Status: Unknown, Message: "cannot read " + what + ": " + msg}
}

func hasTailscale(ev *Evidence) bool {
	_, ok := tailscaleExt(ev)
	return ok
}

func tailscaleExt(ev *Evidence) (string, bool) {
	for _, e := range ev.Extensions {
		if e.Metadata.Name == tailscaleext.ServiceName || strings.Contains(e.Image, "tailscale") {
			return e.Metadata.Version, true
		}
	}
	return "", false
}

// containerPlatform is Talos in a container: no system extension images,
// no installer; the container provides the extension services.
const containerPlatform = "container"

func checkExtension(ev *Evidence) Check {
	if ev.ExtensionsErr != nil {
		return unknown(IDExtension, ev.ExtensionsErr, "ExtensionStatuses")
	}
	if v, ok := tailscaleExt(ev); ok {
		return Check{ID: IDExtension, Status: OK, Message: "siderolabs/tailscale " + v + " is installed"}
	}
	if ev.Platform == containerPlatform && ev.Service != nil {
		return Check{ID: IDExtension, Status: OK, Message: "container platform: " + ServiceID + " is provided by the container (no system extension image to list)"}
	}
	return Check{ID: IDExtension, Status: Fail,
		Message: fmt.Sprintf("the tailscale extension is not installed (%d other extension(s))", len(ev.Extensions)),
		Remedy:  fmt.Sprintf("boot an Image Factory installer whose schematic has siderolabs/tailscale: tailos schematic new, then talosctl -n %s upgrade --image <factory installer>", ev.Node)}
}

func checkUpgradeSafe(ev *Evidence, m *rules.Config) Check {
	if m == nil {
		return unknown(IDUpgradeSafe, ev.ConfigErr, "the machine config (install image)")
	}
	running := ""
	if ev.Schematic != nil {
		running = ev.Schematic.SchematicID
	}
	if ev.Platform == containerPlatform {
		return Check{ID: IDUpgradeSafe, Status: OK, Message: "container platform: Talos is not installed or upgraded in place, the container image is replaced"}
	}
	in := m.Install
	fix := fmt.Sprintf("set machine.install.image to the factory installer of a schematic with siderolabs/tailscale (tailos schematic urls --id %s --talos %s), and upgrade with talosctl -n %s upgrade --image that image", orID(running), orVersion(ev.TalosVersion), ev.Node)
	switch {
	case in.Image == "" && running != "" && hasTailscale(ev):
		return Check{ID: IDUpgradeSafe, Status: OK, Message: "no install image: Talos installs from the running schematic " + short(running) + ", which carries the extension"}
	case in.Image == "":
		return Check{ID: IDUpgradeSafe, Status: Fail, Message: "no install image and no running factory schematic: the next talosctl upgrade without --image installs the plain installer and drops Tailscale", Remedy: fix}
	case !in.Factory:
		return Check{ID: IDUpgradeSafe, Status: Fail, Message: "install image " + in.Image + " is not an Image Factory installer: an upgrade to it drops Tailscale", Remedy: fix}
	case in.SchematicID == running && hasTailscale(ev):
		return Check{ID: IDUpgradeSafe, Status: OK, Message: "install image uses the running schematic " + short(running) + ", which carries the extension"}
	case in.SchematicKnown && slices.Contains(in.Extensions, tailscaleext.Name):
		return Check{ID: IDUpgradeSafe, Status: OK, Message: "install image schematic " + short(in.SchematicID) + " carries siderolabs/tailscale"}
	case in.SchematicKnown:
		return Check{ID: IDUpgradeSafe, Status: Fail, Message: "install image schematic " + short(in.SchematicID) + " does not carry siderolabs/tailscale: the next upgrade drops it", Remedy: fix}
	case running == "":
		return Check{ID: IDUpgradeSafe, Status: Warn, Message: "install image schematic " + short(in.SchematicID) + " is unknown here and the node reports no running schematic", Remedy: "check the schematic with tailos schematic verify " + in.Image}
	default:
		return Check{ID: IDUpgradeSafe, Status: Warn, Message: "install image schematic " + short(in.SchematicID) + " differs from the running schematic " + short(running), Remedy: "check it carries siderolabs/tailscale: tailos schematic verify " + in.Image}
	}
}

func checkService(ev *Evidence) Check {
	if ev.ServiceErr != nil {
		return unknown(IDService, ev.ServiceErr, "service "+ServiceID)
	}
	s := ev.Service
	if s == nil {
		return Check{ID: IDService, Status: Fail, Message: ServiceID + " is not a service on this node", Remedy: "install the extension and add an ExtensionServiceConfig named tailscale (tailos gen)"}
	}
	health := ""
	if h := s.GetHealth(); h != nil && !h.GetUnknown() {
		if h.GetHealthy() {
			health = ", healthy"
		} else {
			health = ", unhealthy: " + h.GetLastMessage()
		}
	}
	switch {
	case s.GetState() == "Running" && (s.GetHealth() == nil || s.GetHealth().GetUnknown() || s.GetHealth().GetHealthy()):
		return Check{ID: IDService, Status: OK, Message: ServiceID + " is Running" + health}
	case s.GetState() == "Running":
		return Check{ID: IDService, Status: Warn, Message: ServiceID + " is Running" + health, Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID}
	case s.GetState() == "Finished":
		return Check{ID: IDService, Status: Fail, Message: ServiceID + " is stopped (Finished)", Remedy: "talosctl -n " + ev.Node + " service " + ServiceID + " start"}
	default:
		msg := ServiceID + " is " + s.GetState() + health
		if last := lastEvent(s); last != "" {
			msg += "; last event: " + last
		}
		return Check{ID: IDService, Status: Fail, Message: msg, Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID + " (see " + IDCrashLoop + " for the cause)"}
	}
}

// lastEvent is the newest event machined recorded for the service.
func lastEvent(s *machineapi.ServiceInfo) string {
	evs := s.GetEvents().GetEvents()
	if len(evs) == 0 {
		return ""
	}
	e := evs[len(evs)-1]
	return e.GetState() + ": " + e.GetMsg()
}

// restarts counts machined's restart events ("going to restart") in the
// event history it keeps.
func restarts(s *machineapi.ServiceInfo) int {
	n := 0
	for _, e := range s.GetEvents().GetEvents() {
		if strings.Contains(e.GetMsg(), "going to restart") {
			n++
		}
	}
	return n
}

func checkCrashLoop(ev *Evidence) Check {
	s := ev.Service
	if s == nil {
		return Check{ID: IDCrashLoop, Status: Unknown, Message: "no " + ServiceID + " service to read"}
	}
	n := restarts(s)
	causes := ClassifyLog(ev.Log)
	running := s.GetState() == "Running"
	if len(causes) == 0 {
		switch {
		case n == 0:
			return Check{ID: IDCrashLoop, Status: OK, Message: "no restarts recorded"}
		case ev.LogErr != nil:
			return Check{ID: IDCrashLoop, Status: Warn, Message: fmt.Sprintf("%d restart(s) recorded; the log is not readable: %s", n, talosapi.Explain(ev.LogErr)), Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID}
		case running:
			return Check{ID: IDCrashLoop, Status: Warn, Message: fmt.Sprintf("%d restart(s) recorded, running now; last event: %s", n, lastEvent(s)), Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID}
		default:
			return Check{ID: IDCrashLoop, Status: Fail, Message: fmt.Sprintf("crash loop: %d restart(s), no known cause in the last %d log lines; last event: %s", n, len(ev.Log), lastEvent(s)), Remedy: "talosctl -n " + ev.Node + " logs " + ServiceID}
		}
	}
	c := causes[0]
	ids := make([]string, len(causes))
	for i, x := range causes {
		ids[i] = x.ID
	}
	msg := fmt.Sprintf("%s (%s): %s; log: %q", c.ID, strings.Join(ids, ", "), c.Summary, c.Line)
	if n > 0 {
		msg = fmt.Sprintf("crash loop, %d restart(s): ", n) + msg
	}
	st := Fail
	if running && n == 0 {
		// A running service whose log mentions a cause recovered from it
		// or is about to hit it on the next start.
		st = Warn
	}
	return Check{ID: IDCrashLoop, Status: st, Message: msg, Remedy: c.Remedy}
}

// short abbreviates a schematic ID for messages.
func short(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

func orID(id string) string {
	if id == "" {
		return "<schematic ID>"
	}
	return id
}

func orVersion(v string) string {
	if v == "" {
		return "<Talos version>"
	}
	return v
}
