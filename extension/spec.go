package extension

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/siderolabs/talos/pkg/machinery/extensions"
	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
	"github.com/siderolabs/talos/pkg/machinery/nethelpers"
	"go.yaml.in/yaml/v4"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/internal/yamlprune"
)

// Paths inside the image, fixed by Talos: specs are read from
// /usr/local/etc/containers/*.yaml and a service's root is
// /usr/local/lib/containers/<name>.
const (
	ServiceName   = tailscaleext.ServiceName
	ManifestPath  = "manifest.yaml"
	SpecDir       = "rootfs/usr/local/etc/containers"
	ContainersDir = "rootfs/usr/local/lib/containers"
	// BinDir is where the binaries live inside the service's container root.
	BinDir = tailscaleext.BinDir
)

// SpecPath is the service spec's path inside the image.
const SpecPath = SpecDir + "/" + ServiceName + ".yaml"

// DefaultTalosCompat is the lowest Talos the service spec works on: it uses
// the `configuration` dependency (ExtensionServiceConfig), new in Talos 1.7.
const DefaultTalosCompat = ">= v1.7.0"

// ManifestOptions are the variable parts of manifest.yaml.
type ManifestOptions struct {
	Version     string // tailscale version, x.y.z
	TalosCompat string // semver range on the Talos version; empty means DefaultTalosCompat
}

// NewManifest returns the extension manifest.
func NewManifest(o ManifestOptions) extensions.Manifest {
	compat := o.TalosCompat
	if compat == "" {
		compat = DefaultTalosCompat
	}
	return extensions.Manifest{
		Version: "v1alpha1",
		Metadata: extensions.Metadata{
			Name:    ServiceName,
			Version: o.Version,
			Author:  "tailos",
			Description: fmt.Sprintf("Tailscale %s (containerboot, tailscaled, tailscale from tailscale.com v%s, "+
				"statically linked, nftables firewall) connects Talos nodes to a tailnet.", o.Version, o.Version),
			Compatibility: extensions.Compatibility{Talos: extensions.Constraint{Version: compat}},
		},
	}
}

// NewSpec returns the ext-tailscale service spec. It is the official
// siderolabs/extensions network/tailscale spec with two changes:
// TS_DEBUG_FIREWALL_MODE=nftables, because this image bundles no iptables
// binary and tailscaled programs nftables over netlink by itself; and the
// entrypoint is tailos-mssclamp with containerboot as its argument. It execs
// containerboot unless the ExtensionServiceConfig sets TAILOS_MSS_CLAMP, and
// then runs the TCP MSS clamp beside it (a service has one entrypoint, so
// the clamp cannot be a second process Talos starts).
func NewSpec() *services.Spec {
	env := []string{"PATH=/sbin:" + BinDir}
	for _, e := range tailscaleext.Environment() {
		env = append(env, e.Entry())
	}
	env = append(env, "TS_DEBUG_FIREWALL_MODE=nftables")
	var mounts []specs.Mount
	for _, m := range tailscaleext.Mounts() {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		mounts = append(mounts, specs.Mount{Source: m.Path, Destination: m.Path, Type: "bind", Options: []string{m.Type, mode}})
	}
	var network []nethelpers.Status
	for _, n := range tailscaleext.DependsOnNetwork() {
		s, err := nethelpers.StatusString(n)
		if err != nil {
			panic("extension: tailscaleext names an unknown network status: " + n)
		}
		network = append(network, s)
	}
	restart, err := services.RestartKindString(tailscaleext.Restart)
	if err != nil {
		panic("extension: tailscaleext names an unknown restart policy: " + tailscaleext.Restart)
	}
	return &services.Spec{
		Name: ServiceName,
		Container: services.Container{
			Entrypoint:  BinDir + "/" + ClampBinary,
			Args:        []string{tailscaleext.Containerboot},
			Environment: env,
			Mounts:      mounts,
			Security:    services.Security{WriteableSysfs: true},
		},
		Depends: []services.Dependency{
			{Service: tailscaleext.DependsOnService},
			{Network: network},
			{Configuration: tailscaleext.DependsOnConfiguration},
		},
		Restart: restart,
	}
}

// MarshalSpec renders a service spec from machinery's own type. Zero-valued
// fields are left out, as in hand-written specs; the result is decoded again
// and compared, so what Talos reads is exactly spec.
func MarshalSpec(spec *services.Spec) ([]byte, error) {
	out, err := marshalPruned(spec)
	if err != nil {
		return nil, fmt.Errorf("encoding service spec: %w", err)
	}
	var back services.Spec
	if err := yaml.Unmarshal(out, &back); err != nil {
		return nil, fmt.Errorf("decoding encoded service spec: %w", err)
	}
	if !reflect.DeepEqual(normalizeSpec(*spec), normalizeSpec(back)) {
		return nil, fmt.Errorf("service spec does not survive a YAML round trip:\n%s", out)
	}
	return out, nil
}

// MarshalManifest renders manifest.yaml from machinery's own type.
func MarshalManifest(m extensions.Manifest) ([]byte, error) {
	out, err := marshalPruned(m)
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	var back extensions.Manifest
	if err := yaml.Unmarshal(out, &back); err != nil || back != m {
		return nil, fmt.Errorf("manifest does not survive a YAML round trip: %v", err)
	}
	return out, nil
}

func marshalPruned(v any) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	yamlprune.Prune(&n, yamlprune.Options{DropFalse: true})
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// normalizeSpec maps empty slices to nil so that DeepEqual compares meaning.
func normalizeSpec(s services.Spec) services.Spec {
	v := reflect.ValueOf(&s).Elem()
	normalize(v)
	return s
}

func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			if v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			normalize(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				normalize(v.Field(i))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	}
}
