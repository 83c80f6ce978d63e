package lint

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailos/tailos/report"
	"github.com/tailos/tailos/rules"
)

// Stream delivers every input in Run's order with its own findings, and
// the cross-node findings in the Tail, attributed and suppressed as Run's
// are: here a client's TS104 is silenced by a comment above its line, which
// a stream finds by loading that file again.
func TestStream(t *testing.T) {
	router := "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=file:/var/lib/tailscale/authkey\n  - TS_ROUTES=192.168.1.0/24\n"
	client := "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        addresses: [192.168.1.20/24]\n---\napiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nenvironment:\n  - TS_AUTHKEY=file:/var/lib/tailscale/authkey\n  - TS_EXTRA_ARGS=--accept-routes\n"
	quiet := strings.Replace(client, "  - TS_EXTRA_ARGS", "  # tailos:ignore TS104 this node reaches the LAN over the tailnet on purpose\n  - TS_EXTRA_ARGS", 1)
	files := map[string]string{"a-router.yaml": router, "b-router.yaml": router, "c-broken.yaml": "machine: [\n", "e-quiet.yaml": quiet}
	for i := range 12 {
		files[fmt.Sprintf("d-client-%02d.yaml", i)] = client
	}
	dir := writeFiles(t, files)

	var got []string
	own := map[string][]rules.Finding{}
	tail, err := Stream(context.Background(), Request{Paths: []string{dir}, Fix: true}, func(in report.Input, fs []rules.Finding) error {
		got = append(got, filepath.Base(in.File)+" "+string(in.Status))
		own[filepath.Base(in.File)] = fs
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a-router.yaml checked", "b-router.yaml checked"}
	for i := range 12 {
		want = append(want, fmt.Sprintf("d-client-%02d.yaml checked", i))
	}
	want = append(want, "e-quiet.yaml checked", "c-broken.yaml unchecked")
	if !slices.Equal(got, want) {
		t.Fatalf("delivered\n%q\nwant\n%q", got, want)
	}
	for file, fs := range own {
		for _, f := range fs {
			if f.Rule == "TS103" || f.Rule == "TS104" {
				t.Errorf("%s: cross-node %s delivered with the node's own findings", file, f.Rule)
			}
		}
	}
	cross := map[string]int{}
	for _, c := range tail.Cross {
		for _, f := range c.Findings {
			if base := filepath.Base(f.File); base != strings.Fields(got[c.Input])[0] {
				t.Errorf("cross finding of input %d (%s) points at %s", c.Input, got[c.Input], base)
			}
			switch {
			case f.Rule == "TS104" && strings.HasPrefix(filepath.Base(f.File), "e-quiet"):
				if f.Suppressed == nil || f.Line != 13 {
					t.Errorf("e-quiet.yaml TS104 at line %d not suppressed by the comment above it: %+v", f.Line, f)
				}
				cross["suppressed"]++
			case f.Rule == "TS104":
				if f.Line != 12 || f.Suppressed != nil {
					t.Errorf("%s TS104 at line %d, suppressed %v", filepath.Base(f.File), f.Line, f.Suppressed)
				}
				cross["TS104"]++
			case f.Rule == "TS103":
				cross["TS103"]++
			}
		}
	}
	if cross["TS103"] != 2 || cross["TS104"] != 12 || cross["suppressed"] != 1 {
		t.Errorf("cross-node findings %v, want 2 TS103, 12 TS104 and the quiet one suppressed", cross)
	}
	// The fixes include the cross-node ones: the clients drop
	// --accept-routes, except the one whose TS104 is silenced.
	drops, keeps := 0, 0
	for _, fix := range tail.Fixes {
		switch s := string(fix); {
		case strings.Contains(s, "TS_ROUTES"): // a router
		case strings.Contains(s, "--accept-routes"):
			keeps++
		default:
			drops++
		}
	}
	if len(tail.Fixes) != 15 || drops != 12 || keeps != 1 {
		t.Errorf("%d fixes: %d drop --accept-routes (want 12), %d keep it (want 1)", len(tail.Fixes), drops, keeps)
	}
}

// An error from the callback stops the run: nothing more is delivered, and
// Stream returns it.
func TestStreamStops(t *testing.T) {
	files := map[string]string{}
	for i := range 3 * window() {
		files[fmt.Sprintf("%03d.yaml", i)] = runPatch
	}
	dir := writeFiles(t, files)
	stop := errors.New("reader went away")
	n := 0
	_, err := Stream(context.Background(), Request{Paths: []string{dir}}, func(report.Input, []rules.Finding) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("got %v after %d inputs, want the callback's error after 1", err, n)
	}
}
