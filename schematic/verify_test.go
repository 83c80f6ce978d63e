package schematic

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/schematic/factorytest"
)

func TestStoreSaveLookup(t *testing.T) {
	st := Store{Dir: filepath.Join(t.TempDir(), "schematics")}
	s := New([]string{tailscaleext.Name}, nil)
	id, path, err := st.Save(s)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored file %v mode %v", err, fi.Mode())
	}
	got, err := st.Lookup(context.Background(), id)
	if err != nil || !got.HasExtension(tailscaleext.Name) {
		t.Fatalf("lookup: %v %v", got, err)
	}
	if _, err := st.Lookup(context.Background(), imagefactory.EmptySchematicID); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing ID: %v", err)
	}
	// A hand-edited file no longer matches its name and is not trusted.
	if err := os.WriteFile(path, []byte("customization: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lookup(context.Background(), id); err == nil || !strings.Contains(err.Error(), "edited by hand") {
		t.Errorf("tampered file: %v", err)
	}
	if d, err := DefaultStoreDir(func(k string) (string, bool) {
		return map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}[k], true
	}); err != nil || d != "/x/tailos/schematics" {
		t.Errorf("XDG dir %q %v", d, err)
	}
	if d, _ := DefaultStoreDir(func(k string) (string, bool) {
		if k == "HOME" {
			return "/h", true
		}
		return "", false
	}); d != "/h/.config/tailos/schematics" {
		t.Errorf("HOME dir %q", d)
	}
}

func TestVerifyImage(t *testing.T) {
	ctx := context.Background()
	st := Store{Dir: t.TempDir()}
	withTS, _, _ := st.Save(New([]string{"siderolabs/iscsi-tools", tailscaleext.Name}, nil))
	without, _, _ := st.Save(New([]string{"siderolabs/iscsi-tools"}, nil))

	f := factorytest.New()
	onlineOnly := New([]string{tailscaleext.Name, "siderolabs/util-linux-tools"}, nil)
	onlineID, _ := onlineOnly.ID()
	data, _ := onlineOnly.Marshal()
	f.Put(onlineID, data)
	srv := f.Server()
	defer srv.Close()
	online, _ := NewClient(srv.URL, 0)

	tests := []struct {
		name      string
		image     string
		resolvers []Resolver
		safe      bool
		problem   string
		by        string
	}{
		{"stored with tailscale", "factory.talos.dev/metal-installer/" + withTS + ":v1.14.1", []Resolver{st}, true, "", "local store"},
		{"stored without tailscale", "factory.talos.dev/metal-installer/" + without + ":v1.14.1", []Resolver{st}, false, "does not include siderolabs/tailscale", "local store"},
		{"empty schematic", "factory.talos.dev/metal-installer/" + imagefactory.EmptySchematicID + ":v1.14.1", []Resolver{st}, false, "empty schematic", ""},
		{"vanilla installer", "ghcr.io/siderolabs/installer:v1.13.9", []Resolver{st}, false, "not an Image Factory installer", ""},
		{"unknown offline", "factory.talos.dev/metal-installer/" + onlineID + ":v1.14.1", []Resolver{st}, false, "unknown here", ""},
		{"found online", "factory.talos.dev/metal-installer/" + onlineID + ":v1.14.1", []Resolver{st, online}, true, "", "factory 127.0.0.1"},
		{"legacy form", "factory.talos.dev/installer/" + withTS + ":v1.9.5", []Resolver{st}, true, "", "local store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := VerifyImage(ctx, tt.image, "argument", tt.resolvers...)
			if err != nil {
				t.Fatal(err)
			}
			if v.Safe != tt.safe {
				t.Errorf("safe = %v, want %v (%s)", v.Safe, tt.safe, v.Problem)
			}
			if !strings.Contains(v.Problem, tt.problem) {
				t.Errorf("problem %q, want %q", v.Problem, tt.problem)
			}
			if !v.Safe && v.Fix == "" {
				t.Error("an unsafe verdict needs a fix")
			}
			if !strings.HasPrefix(v.ResolvedBy, tt.by) {
				t.Errorf("resolved by %q, want %q", v.ResolvedBy, tt.by)
			}
		})
	}
	if _, err := VerifyImage(ctx, "not a ref!", "argument"); err == nil {
		t.Error("unparseable reference must be an error")
	}
	for ref, warning := range map[string]string{
		"factory.talos.dev/metal-installer/" + withTS + ":latest":    "tag latest follows each new Talos release",
		"factory.talos.dev/metal-installer/" + withTS:                "no tag",
		"factory.talos.dev/proxmox-installer/" + withTS + ":v1.14.1": `platform "proxmox" is not one the factory builds`,
		"factory.talos.dev/metal-installer/" + withTS + ":v1.14":     `tag "v1.14" is not a Talos version`,
	} {
		v, _ := VerifyImage(ctx, ref, "argument", st)
		if !v.Safe || len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], warning) {
			t.Errorf("%s: want safe with warning %q, got %+v", ref, warning, v)
		}
	}
}

func TestVerifyConfig(t *testing.T) {
	ctx := context.Background()
	st := Store{Dir: t.TempDir()}
	withTS, _, _ := st.Save(New([]string{tailscaleext.Name}, nil))
	tests := []struct {
		name    string
		config  string
		fields  []string
		safe    []bool
		wantErr string
	}{
		{"v1alpha1 patch", "machine:\n  install:\n    image: factory.talos.dev/metal-installer/" + withTS + ":v1.14.1\n", []string{FieldMachineInstallImage}, []bool{true}, ""},
		{"generated default", "version: v1alpha1\nmachine:\n  type: worker\n  install:\n    disk: /dev/sda\n    image: ghcr.io/siderolabs/installer:v1.13.9\n", []string{FieldMachineInstallImage}, []bool{false}, ""},
		{"1.14 unattended", "apiVersion: v1alpha1\nkind: UnattendedInstallConfig\ninstaller:\n  image: factory.talos.dev/metal-installer/" + withTS + ":v1.14.1\nprovisioning:\n  diskSelector:\n    match: disk.transport == \"nvme\"\n", []string{FieldUnattendedInstallImage}, []bool{true}, ""},
		{"1.14 unattended without image", "apiVersion: v1alpha1\nkind: UnattendedInstallConfig\nprovisioning:\n  diskSelector:\n    match: disk.transport == \"nvme\"\n", []string{FieldUnattendedInstallImage}, []bool{false}, ""},
		{"no image at all", "machine:\n  install:\n    disk: /dev/sda\n", []string{FieldMachineInstallImage}, []bool{false}, ""},
		{"unknown key", "machine:\n  install:\n    imag: x\n", nil, nil, "unknown keys"},
		{"patch with delete", "machine:\n  install:\n    image: factory.talos.dev/metal-installer/" + withTS + ":v1.14.1\n---\napiVersion: v1alpha1\nkind: KubeFlannelCNIConfig\n$patch: delete\n", []string{FieldMachineInstallImage}, []bool{true}, ""},
		{"two patches in a stream", "machine:\n  install:\n    image: factory.talos.dev/metal-installer/" + withTS + ":v1.14.1\n---\nmachine:\n  install:\n    image: ghcr.io/siderolabs/installer:v1.13.9\n", []string{FieldMachineInstallImage, FieldMachineInstallImage}, []bool{true, false}, ""},
		{"legacy install.extensions only", "machine:\n  install:\n    extensions:\n      - image: ghcr.io/siderolabs/tailscale:1.62.1\n", []string{FieldMachineInstallImage}, []bool{false}, ""},
		{"talhelper config", "# talconfig\n---\nclusterName: k\nnodes:\n  - hostname: a\n", nil, nil, "line 3: a talhelper talconfig.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := VerifyConfig(ctx, []byte(tt.config), st)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != len(tt.fields) {
				t.Fatalf("%d verdicts, want %d: %+v", len(vs), len(tt.fields), vs)
			}
			for i, v := range vs {
				if strings.Contains(tt.config, "extensions:") && (len(v.Warnings) == 0 || !strings.Contains(v.Warnings[len(v.Warnings)-1], "no effect from Talos 1.10")) {
					t.Errorf("install.extensions must be warned about: %+v", v.Warnings)
				}
				if v.Source != tt.fields[i] || v.Safe != tt.safe[i] {
					t.Errorf("verdict %d: %s safe=%v, want %s safe=%v (%s)", i, v.Source, v.Safe, tt.fields[i], tt.safe[i], v.Problem)
				}
			}
		})
	}
}
