package gen

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"

	"github.com/tailos/tailos/render"
	"github.com/tailos/tailos/spec"
	"github.com/tailos/tailos/talosconf"
)

// fleetSpec is an n-node spec: three control planes advertising routes,
// the rest workers, MTU computed from the underlay.
func fleetSpec(tb testing.TB, n int) *spec.Spec {
	tb.Helper()
	var sb strings.Builder
	sb.WriteString(`cluster:
  name: fleet
  endpoint: https://10.1.0.10:6443
  lanSubnets: [10.1.0.0/16]
  underlayMTU: 1500
tailnet:
  auth: {authKey: env:TS_AUTHKEY}
  mtu: auto
  routes: {advertise: [pods, services], on: [controlplane]}
nodes:
`)
	for i := 0; i < n; i++ {
		role := "worker"
		if i < 3 {
			role = "controlplane"
		}
		fmt.Fprintf(&sb, "  - {name: n%04d, role: %s, address: 10.1.%d.%d}\n", i, role, i/200, i%200+10)
	}
	s, err := spec.Parse("fleet.yaml", []byte(sb.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func benchGenerate(b *testing.B, n int, write bool) {
	s := fleetSpec(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		out, err := Generate(s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if write {
			dir := filepath.Join(b.TempDir(), "out-"+strconv.Itoa(i))
			if _, err := render.Write(dir, out.Files, render.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkGenerate100 renders and verifies a 100-node spec.
func BenchmarkGenerate100(b *testing.B) { benchGenerate(b, 100, false) }

// BenchmarkGenerate1000 is `tailos gen -o` for 1,000 nodes: plan, encode,
// verify every node against machinery, and write the set to a new directory.
func BenchmarkGenerate1000(b *testing.B) { benchGenerate(b, 1000, true) }

// BenchmarkGenerate1000InMemory is BenchmarkGenerate1000 without the
// write: what gen adds to the floor besides creating a thousand files.
func BenchmarkGenerate1000InMemory(b *testing.B) { benchGenerate(b, 1000, false) }

// BenchmarkFloorApplyValidate1000 is the floor BenchmarkGenerate1000 is
// measured against: machinery alone, sequentially, generating the base
// configs once and applying and validating the same 1,000 node patches
// gen writes (the patches are made outside the timer).
func BenchmarkFloorApplyValidate1000(b *testing.B) {
	s := fleetSpec(b, 1000)
	out, err := Generate(s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range out.Files {
		files[f.Path] = f.Data
	}
	type nodePatch struct {
		role  machine.Type
		patch []byte
	}
	var patches []nodePatch
	for _, n := range out.Plan.Nodes {
		patches = append(patches, nodePatch{n.Role, files[NodePatchPath(n.Spec.Name)]})
	}
	contract, err := talosconf.Contract(s.Cluster.TalosVersion)
	if err != nil {
		b.Fatal(err)
	}
	k8s, err := talosconf.KubernetesVersionFor(s.Cluster.TalosVersion)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract, secrets.WithECDSAServiceAccountKey())
		if err != nil {
			b.Fatal(err)
		}
		in, err := generate.NewInput(s.Cluster.Name, s.Cluster.Endpoint, k8s,
			generate.WithVersionContract(contract), generate.WithSecretsBundle(bundle), generate.WithInstallDisk("/dev/sda"))
		if err != nil {
			b.Fatal(err)
		}
		base := map[machine.Type]config.Provider{}
		for _, np := range patches {
			if base[np.role] == nil {
				if base[np.role], err = in.Config(np.role); err != nil {
					b.Fatal(err)
				}
			}
			p, err := configpatcher.LoadPatch(np.patch)
			if err != nil {
				b.Fatal(err)
			}
			o, err := configpatcher.Apply(configpatcher.WithConfig(base[np.role].Clone()), []configpatcher.Patch{p})
			if err != nil {
				b.Fatal(err)
			}
			cfg, err := o.Config()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := cfg.ValidateAsClient(talosconf.ModeMetal, validation.WithLocal()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// reportCPU adds the process's CPU time (user+system) per operation: on a
// shared machine wall time follows the load, CPU time much less so.
// Call it after ResetTimer and defer what it returns.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
