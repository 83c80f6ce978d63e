package rules

import (
	"fmt"
	"sort"
	"strings"
)

var _ = register(&Rule{
	ID:       "TS036",
	Title:    "Tailscale settings in machine.env or a machine.files entry nothing reads",
	Severity: Warning,
	Topic:    TopicAuthKey,
	Why: "machine.env is the environment of every Talos service: Talos passes it to kubelet, etcd, containerd and " +
		"each extension container alike, so a TS_AUTHKEY there does reach ext-tailscale, but also every other " +
		"service, and ext-tailscale still waits for an ExtensionServiceConfig named tailscale before it starts. " +
		"A machine.files entry under a tailscale path is read by nothing unless TS_AUTHKEY=file:<path> in the " +
		"ExtensionServiceConfig points at it (and the path is mounted into the container: /var/lib/tailscale or " +
		"/var/run/tailscale).",
	Sources: []string{
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/system/services/extension.go Runner: runner.WithEnv(environment.Get(cfg)) — machine.env — then the ExtensionServiceConfig environment",
		"siderolabs/talos v1.14.1 internal/pkg/environment/environment.go (machine.env → every service)",
		"siderolabs/extensions v1.14.0-rc.1 network/tailscale/tailscale.yaml (mounts: /var/lib/tailscale, /var/run/tailscale; depends: configuration: true)",
		"siderolabs/talos v1.14.1 internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go WriteUserFiles (op must be create, append or overwrite)",
		"lint/testdata/realworld/INDEX.md entry 15",
	},
	Fix: "Put TS_AUTHKEY into the ExtensionServiceConfig environment (or TS_AUTHKEY=file:/var/lib/tailscale/authkey " +
		"with the key in that file) and remove it from machine.env and unused machine.files entries.",
	Check: func(c *Config) []Result {
		var out []Result
		var keys []string
		for k := range c.MachineEnv {
			if strings.HasPrefix(k, "TS_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := c.MachineEnv[k]
			msg := fmt.Sprintf("machine.env sets %s: Talos passes it to every service, not only ext-tailscale", k)
			if v == "" {
				msg = fmt.Sprintf("machine.env sets %s to an empty value (every Talos service gets it; ext-tailscale gets nothing useful)", k)
			}
			if c.Tailscale == nil {
				msg += ", and without an ExtensionServiceConfig named tailscale ext-tailscale never starts"
			}
			out = append(out, Result{Message: msg, At: At(DocV1Alpha1, "machine.env."+k)})
		}
		for _, f := range c.MachineFiles {
			if !strings.Contains(f.Path, "tailscale") || strings.HasPrefix(f.Path, "/var/etc/tailscale/") {
				continue // TS035 judges the legacy auth.env
			}
			if c.Tailscale != nil && referencesFile(c.Tailscale, f.Path) {
				continue
			}
			msg := fmt.Sprintf("machine.files writes %s, but no TS_AUTHKEY=file:%s in the ExtensionServiceConfig reads it", f.Path, f.Path)
			if strings.TrimSpace(f.Content) == "" {
				msg += " (and its content is empty)"
			}
			r := Result{Message: msg, At: f.At}
			if f.Op == "" {
				// WriteUserFiles accepts only create, append and overwrite.
				r.Severity = sev(Error)
				r.Message += "; it has no op, so Talos's boot task that writes machine.files fails with \"unknown operation for file\""
			}
			out = append(out, r)
		}
		return out
	},
})

// referencesFile reports whether an environment value reads path with the
// containerboot "file:" prefix.
func referencesFile(t *Tailscale, path string) bool {
	for _, e := range t.Env {
		if strings.TrimPrefix(e.Value, "file:") == path && strings.HasPrefix(e.Value, "file:") {
			return true
		}
	}
	return false
}
