// Package tailscaleext holds the facts of the Tailscale system extension
// for Talos (siderolabs/extensions network/tailscale, v1.14.0-rc.1
// tailscale.yaml): its names, and the service spec Talos runs it with —
// entrypoint, environment, mounts, dependencies and restart policy. The
// extension tailos builds keeps the same contract. It imports nothing of
// tailos.
package tailscaleext

const (
	// Name is the official extension's name in Image Factory schematics.
	Name = "siderolabs/tailscale"
	// ServiceName is the extension's service: its manifest name, its spec
	// file's name and the name of the ExtensionServiceConfig that
	// configures it.
	ServiceName = "tailscale"
	// ServiceID is the service as Talos lists it (talosctl service, logs).
	ServiceID = "ext-" + ServiceName
	// TailosName names the extension `tailos extension build` makes in an
	// installer's extension list; no schematic holds it (the imager adds
	// the image to an installer).
	TailosName = "tailos/tailscale"
)

// Paths inside the service's container (and, for the bind mounts, on the host).
const (
	// BinDir holds containerboot, tailscaled and tailscale.
	BinDir = "/usr/local/bin"
	// Containerboot is the program the official spec runs.
	Containerboot = BinDir + "/containerboot"
	// StateDir keeps tailscaled's state (node key, login) on EPHEMERAL,
	// which survives reboots and upgrades but not a reset.
	StateDir = "/var/lib/tailscale"
	// RunDir holds the LocalAPI socket.
	RunDir = "/var/run/tailscale"
	// Socket is tailscaled's LocalAPI socket.
	Socket = RunDir + "/tailscaled.sock"
	// TUN is the device tailscaled creates tailscale0 with.
	TUN = "/dev/net/tun"
	// CertsDir holds the host's TLS roots (control server certificates).
	CertsDir = "/etc/ssl/certs"
)

// Env is one environment default of the service spec.
type Env struct{ Key, Value string }

// Entry is the spec's KEY=value form.
func (e Env) Entry() string { return e.Key + "=" + e.Value }

// Environment is what the official spec sets before the
// ExtensionServiceConfig's entries, which Talos appends (the last of a
// duplicated variable wins).
func Environment() []Env {
	return []Env{
		{"TS_SOCKET", Socket},
		{"TS_STATE_DIR", StateDir},
		{"TS_USERSPACE", "false"},
	}
}

// EnvDefault is the spec's value of key, and whether it sets one.
func EnvDefault(key string) (string, bool) {
	for _, e := range Environment() {
		if e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}

// Mount is one bind mount of the service spec: the host path is also the
// path inside the container.
type Mount struct {
	Path     string
	Type     string // bind or rbind
	ReadOnly bool
	Why      string
}

// Mounts are the spec's bind mounts, in its order.
func Mounts() []Mount {
	return []Mount{
		{TUN, "bind", false, "tailscaled creates tailscale0"},
		{RunDir, "bind", false, "LocalAPI socket"},
		{StateDir, "bind", false, "node key and login state: must survive reboots"},
		{CertsDir, "rbind", true, "control plane TLS roots"},
	}
}

// Service dependencies and restart policy of the spec.
const (
	// DependsOnService is the service the extension waits for.
	DependsOnService = "cri"
	// DependsOnConfiguration: since extensions v1.7.0 the service waits
	// for an ExtensionServiceConfig named ServiceName, forever.
	DependsOnConfiguration = true
	// Restart is the spec's restart policy.
	Restart = "always"
)

// DependsOnNetwork are the network states the service waits for, as
// Talos's nethelpers.Status names them.
func DependsOnNetwork() []string { return []string{"addresses", "connectivity", "etcfiles"} }
