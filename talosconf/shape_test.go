package talosconf

import (
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
)

func mustShape(t *testing.T, v string) Shape {
	t.Helper()
	s, err := ShapeOfVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The shape read from a cluster's generated configs is that of the tooling
// that made them, capped by the target version.
func TestShapeOfConfigs(t *testing.T) {
	for _, tc := range []struct {
		createdWith, target string
		want                Shape
	}{
		{"v1.12.0", "v1.14.1", Shape{KubeSpanConfig: true}},
		{"v1.13.0", "v1.14.1", Shape{KubeSpanConfig: true}},
		{"v1.14.1", "v1.14.1", Shape{KubeNodeConfig: true, UnattendedInstallConfig: true, SysctlConfig: true, KubeSpanConfig: true}},
		{"v1.13.0", "v1.13.9", Shape{KubeSpanConfig: true}},
		// KubeSpan is not set in v1alpha1: the target's KubeSpanConfig.
		{"v1.11.0", "v1.13.9", Shape{KubeSpanConfig: true}},
		{"v1.11.0", "v1.12.0", Shape{}},
	} {
		t.Run(tc.createdWith+"->"+tc.target, func(t *testing.T) {
			g, err := NewGenerator(BaseOptions{ClusterName: "c", Endpoint: "https://192.0.2.1:6443", TalosVersion: tc.createdWith})
			if err != nil {
				t.Fatal(err)
			}
			var cfgs []config.Provider
			for _, r := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
				cfg, err := g.Base(r)
				if err != nil {
					t.Fatal(err)
				}
				cfgs = append(cfgs, cfg)
			}
			if got := ShapeOfConfigs(mustShape(t, tc.target), cfgs...); got != tc.want {
				t.Errorf("shape %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A 1.14 document on a 1.13-shaped config is named with machinery's reason.
func TestShapeConflicts(t *testing.T) {
	base, err := Base(BaseOptions{ClusterName: "c", Endpoint: "https://192.0.2.1:6443", TalosVersion: "v1.13.0"}, machine.TypeControlPlane)
	if err != nil {
		t.Fatal(err)
	}
	if c := ShapeConflicts(base); len(c) != 0 {
		t.Fatalf("generated base conflicts with itself: %v", c)
	}
	patched, err := Apply(base, []byte(`apiVersion: v1alpha1
kind: UnattendedInstallConfig
installer:
  image: factory.talos.dev/metal-installer/abc:v1.14.1
`))
	if err != nil {
		t.Fatal(err)
	}
	c := ShapeConflicts(patched)
	if len(c) != 1 || c[0].Kind != "UnattendedInstallConfig" || !strings.Contains(c[0].Reason, ".machine.install") {
		t.Fatalf("conflicts %v", c)
	}
}

func TestShapeNames(t *testing.T) {
	if n := mustShape(t, "v1.14.0").Name(); n != "v1.14" {
		t.Errorf("1.14: %s", n)
	}
	if n := mustShape(t, "v1.13.9").Name(); n != "v1alpha1" {
		t.Errorf("1.13: %s", n)
	}
	if s := mustShape(t, "v1.13.9").And(mustShape(t, "v1.14.1")); s != mustShape(t, "v1.13.9") {
		t.Errorf("And: %+v", s)
	}
}

// A v1alpha1 KubeSpan setting in the user's config keeps KubeSpan there.
func TestShapeFollowsV1Alpha1KubeSpan(t *testing.T) {
	base, err := Base(BaseOptions{ClusterName: "c", Endpoint: "https://192.0.2.1:6443", TalosVersion: "v1.13.0"}, machine.TypeWorker)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Apply(base, []byte("machine:\n  network:\n    kubespan:\n      enabled: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ShapeOfConfigs(mustShape(t, "v1.14.1"), cfg); got.KubeSpanConfig {
		t.Errorf("KubeSpanConfig chosen next to machine.network.kubespan: %+v", got)
	}
}
