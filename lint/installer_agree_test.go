package lint

import (
	"context"
	"testing"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/schematic"
)

// check and schematic verify (and upgrade, which uses verify) must read an
// installer image the same way: whether it is a factory image, and which
// schematic it carries. They once parsed it with two different rules, and
// a mirror's path prefix made one call an image a factory installer that
// the other did not.
func TestInstallerImageAgreesWithSchematicVerify(t *testing.T) {
	const id = "4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b"
	for _, tt := range []struct {
		ref          string
		factory      bool
		talosVersion string
	}{
		{"factory.talos.dev/metal-installer/" + id + ":v1.14.1", true, "v1.14.1"},
		{"factory.talos.dev/installer-secureboot/" + id + ":v1.9.0", true, "v1.9.0"},
		{"harbor.lan/factory-cache/metal-installer/" + id + ":v1.14.1", true, "v1.14.1"},
		{"factory.lan:5000/aws-installer/" + id + "@sha256:" + id, true, ""},
		{"factory.talos.dev/metal-installer/" + imagefactory.EmptySchematicID + ":v1.13.0", true, "v1.13.0"},
		{"ghcr.io/siderolabs/installer:v1.13.9", false, "v1.13.9"},
		{"factory.talos.dev/metal/" + id + ":v1.14.1", false, "v1.14.1"},
		{"factory.talos.dev/metal-installer/" + id + "/x:v1.14.1", false, "v1.14.1"},
		{"registry.lan/custom-imager:v1.14.1", false, "v1.14.1"},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			src := []byte("machine:\n  install:\n    image: " + tt.ref + "\n")
			units, err := NewLoader(nil).Load("patch.yaml", src)
			if err != nil {
				t.Fatal(err)
			}
			c := BuildModel(units[0].Config, Options{Partial: true, Source: units[0].Source})
			v, err := schematic.VerifyImage(context.Background(), tt.ref, "argument")
			if err != nil {
				t.Fatal(err)
			}
			if c.Install.Factory != v.Ref.Factory || c.Install.SchematicID != v.Ref.SchematicID {
				t.Errorf("check reads factory=%v schematic=%q; schematic verify reads factory=%v schematic=%q",
					c.Install.Factory, c.Install.SchematicID, v.Ref.Factory, v.Ref.SchematicID)
			}
			if c.Install.Factory != tt.factory {
				t.Errorf("factory = %v, want %v", c.Install.Factory, tt.factory)
			}
			if c.TalosVersion != tt.talosVersion {
				t.Errorf("Talos version from the tag = %q, want %q", c.TalosVersion, tt.talosVersion)
			}
		})
	}
}
