package talosconf

import (
	"bytes"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
)

// Shared is one config per role, generated once; Base copies it; and
// patching the shared config, by strategic merge or (for the one-document
// configs of older Talos) JSON patch, leaves it as it was.
func TestGeneratorSharedBase(t *testing.T) {
	for _, tc := range []struct {
		version string
		patches []string
	}{
		{"", []string{"machine:\n  certSANs: [changed.example]\n  install:\n    disk: /dev/vdb\n"}},
		{"v1.7.0", []string{
			"machine:\n  certSANs: [changed.example]\n  install:\n    disk: /dev/vdb\n",
			`[{"op": "add", "path": "/machine/certSANs", "value": ["json.example"]}]`,
		}},
	} {
		sharedBase(t, tc.version, tc.patches)
	}
}

func sharedBase(t *testing.T, version string, patches []string) {
	t.Helper()
	g, err := NewGenerator(BaseOptions{ClusterName: "c", Endpoint: "https://192.168.1.10:6443", TalosVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
		a, err := g.Shared(role)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := g.Shared(role)
		if a != b {
			t.Errorf("%s: Shared generated the config twice", role)
		}
		c, _ := g.Base(role)
		if c == a {
			t.Errorf("%s: Base returned the shared config, not a copy", role)
		}
		before := encode(t, a)
		for _, patch := range patches {
			out, err := Apply(a, []byte(patch))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(encode(t, out), before) {
				t.Fatalf("%s %s: the patch %q changed nothing", version, role, patch)
			}
		}
		if !bytes.Equal(encode(t, a), before) {
			t.Errorf("%s %s: patching changed the shared config", version, role)
		}
	}
}

func encode(t *testing.T, cfg interface {
	EncodeBytes(...encoder.Option) ([]byte, error)
}) []byte {
	t.Helper()
	b, err := cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
