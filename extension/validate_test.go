package extension

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/extensions/services"
)

func TestValidateGood(t *testing.T) {
	dir := layoutDir(t, NewSpec())
	u, err := Validate(dir, "")
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if u.Manifest.Metadata.Version != testVersion || u.Specs["tailscale"] == nil || u.Specs["tailscale"].Name != "tailscale" {
		t.Errorf("Validate returned %+v", u)
	}
	spec, err := LoadSpec(dir)
	if err != nil || spec.Container.Entrypoint != "/usr/local/bin/tailos-mssclamp" {
		t.Errorf("LoadSpec = %+v, %v", spec, err)
	}
}

// TestValidateBroken breaks one thing at a time and expects the error to
// say what (and where) as Talos's validators or our runtime checks do.
func TestValidateBroken(t *testing.T) {
	tests := []struct {
		name   string
		spec   func(*services.Spec)
		mangle func(t *testing.T, dir string)
		talos  string
		want   string
	}{
		{name: "manifest missing", mangle: func(t *testing.T, d string) { os.Remove(filepath.Join(d, ManifestPath)) }, want: "extension manifest is missing"},
		{name: "manifest version", mangle: func(t *testing.T, d string) {
			writeFile(t, d, ManifestPath, "version: v1alpha2\nmetadata:\n  name: tailscale\n  version: 1.96.5\n", 0o644)
		}, want: `unsupported manifest version: "v1alpha2"`},
		{name: "manifest not yaml", mangle: func(t *testing.T, d string) { writeFile(t, d, ManifestPath, "version: [\n", 0o644) }, want: "yaml"},
		{name: "manifest without name", mangle: func(t *testing.T, d string) {
			writeFile(t, d, ManifestPath, "version: v1alpha1\nmetadata:\n  version: 1.96.5\n", 0o644)
		}, want: "metadata.name and metadata.version are required"},
		{name: "stray file at root", mangle: func(t *testing.T, d string) { writeFile(t, d, "README", "x", 0o644) }, want: `unexpected file "README"`},
		{name: "rootfs missing", mangle: func(t *testing.T, d string) { os.RemoveAll(filepath.Join(d, "rootfs")) }, want: "extension rootfs is missing"},
		{name: "path outside /usr/local", mangle: func(t *testing.T, d string) { writeFile(t, d, "rootfs/etc/hosts", "x", 0o644) }, want: `path "/etc/hosts" is not allowed in extensions`},
		{name: "world writable", mangle: func(t *testing.T, d string) {
			writeFile(t, d, ContainersDir+"/tailscale/usr/local/bin/tailscale", "#!/bin/sh\n", 0o777)
		}, want: "world-writeable files are not allowed"},
		{name: "talos too old for compat", talos: "v1.6.0", want: "version constraint >= v1.7.0 can't be satisfied with Talos version 1.6.0"},
		{name: "bad service name", spec: func(s *services.Spec) { s.Name = "Tail Scale" }, want: `name "Tail Scale" is invalid`},
		{name: "two deps in one item", spec: func(s *services.Spec) { s.Depends[0].Time = true }, want: "more than a single dependency is set"},
		{name: "relative path dep", spec: func(s *services.Spec) { s.Depends = append(s.Depends, services.Dependency{Path: "var/x"}) }, want: `path is not absolute: "var/x"`},
		{name: "empty entrypoint", spec: func(s *services.Spec) { s.Container.Entrypoint = "" }, want: "container endpoint can't be empty"},
		{name: "entrypoint missing", spec: func(s *services.Spec) { s.Container.Entrypoint = "/usr/bin/containerboot" }, want: "container.entrypoint: /usr/bin/containerboot not found in the container root"},
		{name: "tailscaled off PATH", spec: func(s *services.Spec) { s.Container.Environment[0] = "PATH=/sbin" }, want: `container.environment: tailscaled is not on PATH="/sbin"`},
		{name: "entrypoint not executable", mangle: func(t *testing.T, d string) {
			writeFile(t, d, ContainersDir+"/tailscale/usr/local/bin/containerboot", "x", 0o644)
		}, want: "/usr/local/bin/containerboot is not an executable file"},
		{name: "clamp without containerboot", spec: func(s *services.Spec) { s.Container.Args = nil }, want: "container.args: tailos-mssclamp needs containerboot's path as its first argument"},
		{name: "clamp runs something else", spec: func(s *services.Spec) { s.Container.Args = []string{"/usr/local/bin/tailscaled"} }, want: "container.args: tailos-mssclamp needs containerboot's path"},
		{name: "clamp's containerboot missing", spec: func(s *services.Spec) { s.Container.Args = []string{"/bin/containerboot"} }, want: "container.args: /bin/containerboot not found in the container root"},
		{name: "unknown key in spec", mangle: func(t *testing.T, d string) {
			b, _ := os.ReadFile(filepath.Join(d, SpecPath))
			writeFile(t, d, SpecPath, strings.Replace(string(b), "restart: always", "restart: always\nrestarts: never", 1), 0o644)
		}, want: "field restarts not found"},
		{name: "bad restart kind", mangle: func(t *testing.T, d string) {
			b, _ := os.ReadFile(filepath.Join(d, SpecPath))
			writeFile(t, d, SpecPath, strings.Replace(string(b), "restart: always", "restart: sometimes", 1), 0o644)
		}, want: "tailscale.yaml: yaml"},
		{name: "container root missing", spec: func(s *services.Spec) { s.Name = "tailscale2" }, want: "name: container root rootfs/usr/local/lib/containers/tailscale2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := NewSpec()
			if tt.spec != nil {
				tt.spec(spec)
			}
			dir := layoutDir(t, spec)
			if tt.mangle != nil {
				tt.mangle(t, dir)
			}
			_, err := Validate(dir, tt.talos)
			if err == nil {
				t.Fatalf("Validate accepted a broken extension")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\n does not contain %q", err, tt.want)
			}
		})
	}
}

// officialShape is a spec written the way siderolabs/extensions writes
// network/tailscale/tailscale.yaml (key order, explicit false, comments):
// the strict loader must accept it, and it must equal NewSpec apart from
// the firewall-mode variable this image adds and the clamp entrypoint in
// front of containerboot.
const officialShape = `name: tailscale
depends:
  - service: cri
  - network:
    - addresses
    - connectivity
    - etcfiles
  - configuration: true
container:
  entrypoint: /usr/local/bin/containerboot
  environment:
  - PATH=/sbin:/usr/local/bin
  - TS_SOCKET=/var/run/tailscale/tailscaled.sock
  - TS_STATE_DIR=/var/lib/tailscale
  - TS_USERSPACE=false
  security:
    writeableRootfs: false
    writeableSysfs: true
  mounts:
  # creates tailscale0
  - source: /dev/net/tun
    destination: /dev/net/tun
    type: bind
    options: [bind, rw]
  - source: /var/run/tailscale
    destination: /var/run/tailscale
    type: bind
    options: [bind, rw]
  - source: /var/lib/tailscale
    destination: /var/lib/tailscale
    type: bind
    options: [bind, rw]
  - source: /etc/ssl/certs
    destination: /etc/ssl/certs
    type: bind
    options: [rbind, ro]
restart: always
`

func TestOfficialShapeEqualsNewSpec(t *testing.T) {
	dir := layoutDir(t, NewSpec())
	writeFile(t, dir, SpecPath, officialShape, 0o644)
	u, err := Validate(dir, "")
	if err != nil {
		t.Fatalf("official-shaped spec rejected: %v", err)
	}
	want := NewSpec()
	env := want.Container.Environment[:0]
	for _, e := range want.Container.Environment {
		if !strings.HasPrefix(e, "TS_DEBUG_FIREWALL_MODE=") {
			env = append(env, e)
		}
	}
	want.Container.Environment = env
	want.Container.Entrypoint, want.Container.Args = want.Container.Args[0], nil
	if got := u.Specs["tailscale"]; !reflect.DeepEqual(normalizeSpec(*got), normalizeSpec(*want)) {
		t.Errorf("official-shaped spec differs from NewSpec beyond the firewall mode and entrypoint:\n got %+v\nwant %+v", *got, *want)
	}
}
