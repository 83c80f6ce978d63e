package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/tailos/tailos/facts/tailscaleext"
)

// extensionMounts are the host directories the tailscale extension
// container sees (its spec's bind mounts but the TUN device).
func extensionMounts() []string {
	var out []string
	for _, m := range tailscaleext.Mounts() {
		if m.Path != tailscaleext.TUN {
			out = append(out, m.Path)
		}
	}
	return out
}

var _ = register(&Rule{
	ID:       "TS031",
	Title:    "auth `file:` path is not visible inside the extension container",
	Severity: Error,
	Topic:    TopicAuthKey,
	Why: "`TS_AUTHKEY=file:PATH` (and TS_CLIENT_SECRET) is read by the tailscale CLI inside the extension's " +
		"container, whose read-only root only has the extension's own files plus the bind mounts /var/lib/tailscale, " +
		"/var/run/tailscale, /etc/ssl/certs and the ExtensionServiceConfig's configFiles mountPaths. A path anywhere " +
		"else (e.g. a machine.files entry under /var/etc) does not exist there, so login fails.",
	Sources: []string{
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (mounts)",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/system/services/extension.go applyExtensionServiceConfig (configFiles bind-mounted read-only at mountPath)",
		"tailscale/tailscale v1.96.5 cmd/tailscale/cli/up.go resolveValueFromFile (a \"file:\" auth key is read by the CLI inside the container)",
		"lint/testdata/realworld/INDEX.md entry 15",
	},
	Fix: "Deliver the key as an ExtensionServiceConfig configFiles entry (mountPath /etc/tailscale/authkey with " +
		"TS_AUTHKEY=file:/etc/tailscale/authkey), or reference a file under /var/lib/tailscale.",
	Check: func(c *Config) []Result {
		t := c.Tailscale
		if t == nil {
			return nil
		}
		var out []Result
		for _, k := range []string{"TS_AUTHKEY", "TS_AUTH_KEY", "TS_CLIENT_SECRET"} {
			v, ok := t.Lookup(k)
			if !ok || !strings.HasPrefix(v, "file:") {
				continue
			}
			p := path.Clean(strings.TrimPrefix(v, "file:"))
			if visible(p, t.Mounts) {
				continue
			}
			out = append(out, Result{
				Message: fmt.Sprintf("%s reads %s, which is not mounted into the tailscale container", k, p),
				At:      AtEnv(k),
			})
		}
		return out
	},
})

func visible(p string, mounts []string) bool {
	for _, m := range mounts {
		if p == path.Clean(m) {
			return true
		}
	}
	for _, m := range extensionMounts() {
		if p == m || strings.HasPrefix(p, m+"/") {
			return true
		}
	}
	return false
}
