//go:build linux

package doctor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/container"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"

	"github.com/tailos/tailos/doctor"
	"github.com/tailos/tailos/lab"
)

// editEnv rewrites the tailscale ExtensionServiceConfig environment of a
// node's machine config and applies the result through the Talos API
// (no reboot); the node's next boot, a wipe included, keeps it.
func (tl *talosLab) editEnv(t *testing.T, name string, edit func([]string) []string) {
	t.Helper()
	n, err := tl.Node(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := configloader.NewFromBytes(n.MachineConfig)
	if err != nil {
		t.Fatal(err)
	}
	docs := cfg.Documents()
	found := false
	for i, d := range docs {
		if esc, ok := d.(*extensions.ServiceConfigV1Alpha1); ok && esc.ServiceName == "tailscale" {
			c := esc.DeepCopy()
			c.ServiceEnvironment = edit(c.ServiceEnvironment)
			docs[i] = c
			found = true
		}
	}
	if !found {
		t.Fatalf("%s: no tailscale ExtensionServiceConfig in the machine config", name)
	}
	ctr, err := container.New(docs...)
	if err != nil {
		t.Fatal(err)
	}
	data, err := ctr.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tl.ApplyConfig(ctx, name, data); err != nil {
		t.Fatal(err)
	}
}

// Repeated flags in TS_EXTRA_ARGS on real Talos nodes. containerboot hands
// TS_EXTRA_ARGS to `tailscale up` only, after the flags it derives itself,
// and with TS_AUTH_ONCE=true runs `up` only while the node needs a login; a
// logged-in node runs `tailscale set`, which never sees TS_EXTRA_ARGS. So
// the bad config is harmless on the running node, across its reboots, and
// fatal on the same node once wiped: the tailscale CLI refuses the second
// flag ("flag provided multiple times"), containerboot exits, Talos
// restarts it, and doctor must name flag-repeated on that node only.
// containerboot strips the first --accept-dns from TS_EXTRA_ARGS, so one is
// harmless and only a second one collides with its own.
func TestE2ERepeatedFlagOnFreshNode(t *testing.T) {
	tl := upTalosLab(t, lab.Options{Nodes: 2})
	ctx := context.Background()
	n2 := tl.nodes[1]
	original := ""
	setExtra := func(t *testing.T, extra string) {
		t.Helper()
		tl.editEnv(t, "node-2", func(env []string) []string {
			for i, e := range env {
				if v, ok := strings.CutPrefix(e, "TS_EXTRA_ARGS="); ok {
					if original == "" {
						original = v
					}
					env[i] = "TS_EXTRA_ARGS=" + original + " " + extra
				}
			}
			return env
		})
	}
	setExtra(t, "--hostname=node-2")

	t.Run("logged-in node ignores it across a reboot", func(t *testing.T) {
		// A reboot keeps /var: containerboot starts logged in and runs
		// `tailscale set`, which does not read TS_EXTRA_ARGS.
		if err := tl.Restart(ctx, "node-2"); err != nil {
			t.Fatal(err)
		}
		if err := tl.WaitRunning(ctx, "node-2", time.Minute); err != nil {
			t.Fatal(err)
		}
		rep := tl.waitFor(t, n2, doctor.IDService, doctor.OK, "Running", time.Minute)
		if c := check(t, rep, n2, doctor.IDCrashLoop); c.Status == doctor.Fail {
			t.Errorf("%s: %s on a logged-in node: %s", n2, c.ID, c.Message)
		}
		if c := check(t, rep, n2, doctor.IDDevice); c.Status != doctor.OK {
			t.Errorf("%s: %s: %s", n2, c.ID, c.Message)
		}
	})

	tests := []struct {
		name   string
		extra  string // appended to the generated TS_EXTRA_ARGS
		crash  bool
		quoted string // the flag the CLI names
	}{
		{"--hostname repeats TS_HOSTNAME", "--hostname=node-2", true, "-hostname"},
		{"one --accept-dns is stripped by containerboot", "--accept-dns=false", false, ""},
		{"a second --accept-dns collides with containerboot's own", "--accept-dns=false --accept-dns=false", true, "-accept-dns"},
	}
	for _, tt := range tests {
		t.Run("wiped node: "+tt.name, func(t *testing.T) {
			setExtra(t, tt.extra)
			if err := tl.Wipe(ctx, "node-2"); err != nil {
				t.Fatal(err)
			}
			if !tt.crash {
				if err := tl.WaitRunning(ctx, "node-2", 2*time.Minute); err != nil {
					t.Fatal(err)
				}
				rep := tl.waitFor(t, n2, doctor.IDService, doctor.OK, "Running", time.Minute)
				if c := check(t, rep, n2, doctor.IDCrashLoop); c.Status != doctor.OK {
					t.Errorf("%s: %s: %s", n2, c.ID, c.Message)
				}
				return
			}
			rep := tl.waitFor(t, n2, doctor.IDCrashLoop, doctor.Fail, "flag-repeated", 2*time.Minute)
			others(t, rep, n2, doctor.IDCrashLoop)
			c := check(t, rep, n2, doctor.IDCrashLoop)
			if !strings.Contains(c.Message, "flag provided multiple times") || !strings.Contains(c.Message, tt.quoted) {
				t.Errorf("%s: %s does not quote the CLI's line about %s: %s", n2, c.ID, tt.quoted, c.Message)
			}
			if c.Remedy == "" {
				t.Errorf("%s: %s has no remedy", n2, c.ID)
			}
		})
	}
}
