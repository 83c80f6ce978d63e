package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/internal/iostreams"
	"github.com/tailos/tailos/schematic/factorytest"
)

// runSchematicCmd runs `tailos args...` in-process and returns its exit
// code and output.
func runSchematicCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &Factory{IO: ios, Version: "test", LookupEnv: func(k string) (string, bool) {
		if k == "XDG_CONFIG_HOME" {
			return t.TempDir(), true
		}
		return "", false
	}}
	root := NewRootCmd(f)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err != nil && !isSilent(err) {
		errOut.WriteString("Error: " + err.Error() + "\n")
	}
	return ExitCode(err), out.String(), errOut.String()
}

const tsSchematic = "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/tailscale]\n"
const tsID = "4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b"

func TestSchematicOnline(t *testing.T) {
	fac := factorytest.New()
	srv := fac.Server()
	defer srv.Close()
	store := t.TempDir()

	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantOut    string
		wantErr    string
		notRequest string // a request that must not have been made
	}{
		{"create offline sends nothing", tsSchematic, []string{"schematic", "create", "--factory", srv.URL, "--store", store}, 0, tsID, "offline: ID computed locally, nothing sent", "POST /schematics"},
		{"create online", tsSchematic, []string{"schematic", "create", "--online", "--factory", srv.URL, "--store", store, "-o", "json"}, 0, `"registered": true`, "saved ", ""},
		{"create online rejected by an older factory", "customization:\n  bootloader: sd-boot\n", []string{"schematic", "create", "--online", "--factory", srv.URL, "--store", store}, 2, "", "HTTP 400", ""},
		{"create refuses owner", "owner: alice\ncustomization: {}\n", []string{"schematic", "create", "--online", "--factory", srv.URL, "--store", store}, 2, "", "owner \"alice\"", ""},
		{"get online", "", []string{"schematic", "get", "--online", "--factory", srv.URL, tsID}, 0, "- siderolabs/tailscale", "", ""},
		{"get online unknown", "", []string{"schematic", "get", "--online", "--factory", srv.URL, strings.Repeat("0", 64)}, 2, "", "schematic not found", ""},
		{"get offline from the store", "", []string{"schematic", "get", "--store", store, tsID}, 0, "- siderolabs/tailscale", "", ""},
		{"get offline unknown", "", []string{"schematic", "get", "--store", store, imagefactory.EmptySchematicID}, 2, "", "offline: pass --online", ""},
		{"versions offline", "", []string{"schematic", "versions", "--factory", srv.URL}, 2, "", "offline: the list of versions needs the factory", "GET /versions"},
		{"versions online", "", []string{"schematic", "versions", "--online", "--factory", srv.URL}, 0, "v1.13.9\nv1.14.1\n", "", ""},
		{"extensions online", "", []string{"schematic", "extensions", "--online", "--factory", srv.URL, "--talos", "v1.14.1"}, 0, "Talos v1.14.1 ships siderolabs/tailscale 1.98.1", "", ""},
		{"extensions online json", "", []string{"schematic", "extensions", "--online", "--factory", srv.URL, "--talos", "1.13.9", "-o", "json"}, 0, `"tailscale": "1.96.4"`, "", ""},
		{"extensions unknown version", "", []string{"schematic", "extensions", "--online", "--factory", srv.URL, "--talos", "v1.99.0"}, 2, "", "HTTP 404", ""},
		{"extensions offline table", "", []string{"schematic", "extensions", "--talos", "v1.12.4"}, 0, "v1.12.0  1.92.3", "offline:", ""},
		{"verify online", "", []string{"schematic", "verify", "--online", "--factory", srv.URL, "--store", t.TempDir(), "factory.talos.dev/metal-installer/" + tsID + ":v1.14.1"}, 0, "found in factory 127.0.0.1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runSchematicCmd(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
			if tt.notRequest != "" && fac.Requests[tt.notRequest] != 0 {
				t.Errorf("%s was requested offline", tt.notRequest)
			}
		})
	}
}

func TestSchematicCreateOnlineMatchesLocalID(t *testing.T) {
	fac := factorytest.New()
	srv := fac.Server()
	defer srv.Close()
	code, out, errOut := runSchematicCmd(t, tsSchematic, "schematic", "create", "--online", "--factory", srv.URL, "--store", t.TempDir(), "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		ID         string `json:"id"`
		Schematic  string `json:"schematic"`
		Registered bool   `json:"registered"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.ID != tsID || !res.Registered || strings.Contains(errOut, "warning") {
		t.Errorf("got %+v, stderr %s", res, errOut)
	}
	if fac.Requests["POST /schematics"] != 1 {
		t.Errorf("requests %v", fac.Requests)
	}
}

func TestSchematicOnlineTimeout(t *testing.T) {
	fac := factorytest.New()
	fac.Delay = 10 * time.Second
	srv := fac.Server()
	defer srv.Close()
	code, _, errOut := runSchematicCmd(t, "", "schematic", "versions", "--online", "--factory", srv.URL, "--timeout", "100ms")
	if code != ExitBadInput || !strings.Contains(errOut, "timed out") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// runF receives the parsed flags without running the command.
func TestSchematicNewFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *SchematicNewOptions
	cmd := NewCmdSchematicNew(&Factory{IO: ios}, func(o *SchematicNewOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--ext", "siderolabs/tailscale", "--ext", "siderolabs/iscsi-tools", "--karg", "a=1", "--karg", "b", "--secureboot-wellknown", "-o", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Extensions, ",") != "siderolabs/tailscale,siderolabs/iscsi-tools" || strings.Join(got.KernelArgs, ",") != "a=1,b" || !got.WellKnown || got.Output != "json" {
		t.Errorf("options %+v", got)
	}
}
