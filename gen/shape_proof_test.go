package gen

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"

	"github.com/tailos/tailos/talosconf"
)

// clusterBases are a cluster's controlplane.yaml and worker.yaml as the
// tooling of one Talos version generated them (machinery's generate at
// that version contract, as `talosctl gen config --talos-version` does).
func clusterBases(t *testing.T, name, endpoint, tooling string) (map[machine.Type]config.Provider, []BaseConfig) {
	t.Helper()
	g, err := talosconf.NewGenerator(talosconf.BaseOptions{ClusterName: name, Endpoint: endpoint, TalosVersion: tooling})
	if err != nil {
		t.Fatal(err)
	}
	cfgs := map[machine.Type]config.Provider{}
	var files []BaseConfig
	for _, r := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
		cfg, err := g.Base(r)
		if err != nil {
			t.Fatal(err)
		}
		data, err := cfg.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		cfgs[r] = cfg
		files = append(files, BaseConfig{File: r.String() + ".yaml", Data: data})
	}
	return cfgs, files
}

// For every shipped example and for clusters created by v1.13 and by v1.14
// tooling, with that cluster's configs as --base, each node's patch as
// written applies to a config of the same shape and validates in metal
// mode; its shape is the cluster's. A 1.14-created cluster cannot run a
// 1.13 target: that is refused with the reason.
func TestPatchesFitTheClusterTheyAreFor(t *testing.T) {
	examples, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(examples) < 3 {
		t.Fatalf("examples: %v %v", examples, err)
	}
	for _, ex := range examples {
		for _, tooling := range []struct{ version, shape string }{{"v1.13.9", "v1alpha1"}, {"v1.14.1", "v1.14"}} {
			t.Run(filepath.Base(ex)+"/created-with-"+tooling.version, func(t *testing.T) {
				s := loadExample(t, filepath.Base(ex))
				cfgs, files := clusterBases(t, s.Cluster.Name, s.Cluster.Endpoint, tooling.version)
				out, err := Generate(s, Options{Bases: files})
				targetShape, _ := talosconf.ShapeOfVersion(s.Cluster.TalosVersion)
				if tooling.shape == "v1.14" && !targetShape.Multidoc() {
					if err == nil || !strings.Contains(err.Error(), "which talosVersion "+s.Cluster.TalosVersion+" cannot load") {
						t.Fatalf("1.14-created configs for a %s target: %v", s.Cluster.TalosVersion, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if out.Shape.Name != tooling.shape {
					t.Fatalf("shape %s, want %s", out.Shape.Name, tooling.shape)
				}
				for _, n := range out.Plan.Nodes {
					patch := fileData(t, out, NodePatchPath(n.Spec.Name))
					// The file as written, reloaded, on the role's own config.
					cfg, err := talosconf.Apply(cfgs[n.Role].Clone(), patch)
					if err != nil {
						t.Fatalf("node %s: %v", n.Spec.Name, err)
					}
					if _, err := talosconf.Validate(cfg); err != nil {
						t.Fatalf("node %s: metal validation: %v", n.Spec.Name, err)
					}
					if c := talosconf.ShapeConflicts(cfg); len(c) > 0 {
						t.Fatalf("node %s: shape conflicts %v", n.Spec.Name, c)
					}
					reloaded, err := configloader.NewFromBytes(must(cfg.Bytes()))
					if err != nil {
						t.Fatalf("node %s: result does not reload: %v", n.Spec.Name, err)
					}
					image := reloaded.Machine().Install().Image()
					if u := reloaded.UnattendedInstallConfig(); u != nil {
						image = u.InstallerImage()
					}
					if image != n.InstallImage {
						t.Errorf("node %s: install image %q, want %q", n.Spec.Name, image, n.InstallImage)
					}
					// And the other shape's config would have rejected it:
					// the proof tells the shapes apart.
					other := "v1.14.1"
					if tooling.shape == "v1.14" {
						other = "v1.13.9"
					}
					if !targetShape.Multidoc() {
						continue // a 1.13 target has one shape only
					}
					ocfgs, _ := clusterBases(t, s.Cluster.Name, s.Cluster.Endpoint, other)
					if ocfg, err := talosconf.Apply(ocfgs[n.Role], patch); err == nil {
						if _, err := talosconf.Validate(ocfg); err == nil {
							t.Errorf("node %s: the %s patch also validated on a config made by %s tooling", n.Spec.Name, tooling.shape, other)
						}
					}
				}
			})
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
