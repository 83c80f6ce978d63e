package schematic

import (
	"reflect"
	"strings"
	"testing"
)

const tsID = "077514df2c1b6436460bc60faabc976687b16193b8a1290fda4366c69024fec2"

func TestInstallerImage(t *testing.T) {
	tests := []struct {
		name string
		t    Target
		want string
	}{
		{"metal 1.14", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, "factory.talos.dev/metal-installer/" + tsID + ":v1.14.1"},
		{"version without v", Target{TalosVersion: "1.14.1", Platform: "metal", Arch: "arm64"}, "factory.talos.dev/metal-installer/" + tsID + ":v1.14.1"},
		{"aws 1.10 unified", Target{TalosVersion: "v1.10.0", Platform: "aws", Arch: "amd64"}, "factory.talos.dev/aws-installer/" + tsID + ":v1.10.0"},
		{"legacy before 1.10", Target{TalosVersion: "v1.9.5", Platform: "aws", Arch: "amd64"}, "factory.talos.dev/installer/" + tsID + ":v1.9.5"},
		{"legacy secure boot", Target{TalosVersion: "v1.9.5", Platform: "metal", Arch: "amd64", SecureBoot: true}, "factory.talos.dev/installer-secureboot/" + tsID + ":v1.9.5"},
		{"secure boot 1.14", Target{TalosVersion: "v1.14.1", Platform: "nocloud", Arch: "amd64", SecureBoot: true}, "factory.talos.dev/nocloud-installer-secureboot/" + tsID + ":v1.14.1"},
		{"self-hosted with port", Target{Factory: "http://factory.lan:8080", TalosVersion: "v1.13.9", Platform: "metal", Arch: "amd64"}, "factory.lan:8080/metal-installer/" + tsID + ":v1.13.9"},
		{"pre-release", Target{TalosVersion: "v1.10.0-beta.1", Platform: "metal", Arch: "amd64"}, "factory.talos.dev/metal-installer/" + tsID + ":v1.10.0-beta.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InstallerImage(tt.t, tsID)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTargetValidate(t *testing.T) {
	tests := []struct {
		name    string
		t       Target
		wantErr string
	}{
		{"ok", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, ""},
		{"unknown platform", Target{TalosVersion: "v1.14.1", Platform: "proxmox", Arch: "amd64"}, `unknown platform "proxmox"; one of metal, aws`},
		{"arch not offered", Target{TalosVersion: "v1.14.1", Platform: "hcloud", Arch: "arm64"}, `platform hcloud has no "arm64" images`},
		{"x86_64 is not a name", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "x86_64"}, "architectures: amd64, arm64"},
		{"no secure boot on aws", Target{TalosVersion: "v1.14.1", Platform: "aws", Arch: "amd64", SecureBoot: true}, "platform aws has no secure boot images"},
		{"secure boot too old", Target{TalosVersion: "v1.4.8", Platform: "metal", Arch: "amd64", SecureBoot: true}, "secure boot images need Talos v1.5.0"},
		{"platform too old", Target{TalosVersion: "v1.6.0", Platform: "akamai", Arch: "amd64"}, "platform akamai needs Talos v1.7.0"},
		{"alibaba pre-release bound", Target{TalosVersion: "v1.14.0-beta.1", Platform: "alibabacloud", Arch: "amd64"}, "needs Talos v1.14.0-beta.2"},
		{"overlay on amd64", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64", Overlay: true}, "board overlays are built as metal arm64"},
		{"overlay too old", Target{TalosVersion: "v1.6.7", Platform: "metal", Arch: "arm64", Overlay: true}, "board overlays need Talos v1.7.0"},
		{"too old for the factory", Target{TalosVersion: "v1.1.2", Platform: "metal", Arch: "amd64"}, "older than the oldest"},
		{"bad version", Target{TalosVersion: "1.14", Platform: "metal", Arch: "amd64"}, `invalid Talos version "1.14"`},
		{"no version", Target{Platform: "metal", Arch: "amd64"}, "Talos version is required"},
		{"factory with path", Target{Factory: "https://example.com/factory", TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, "drop the path"},
		{"factory without scheme", Target{Factory: "factory.talos.dev", TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, "want https://host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func names(as []Asset) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Kind + " " + a.URL
	}
	return out
}

func TestAssets(t *testing.T) {
	img := "https://factory.talos.dev/image/" + tsID
	pxe := "https://pxe.factory.talos.dev/pxe/" + tsID
	tests := []struct {
		name string
		t    Target
		want []string
	}{
		{"metal", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, []string{
			"installer factory.talos.dev/metal-installer/" + tsID + ":v1.14.1",
			"iso " + img + "/v1.14.1/metal-amd64.iso",
			"disk-image " + img + "/v1.14.1/metal-amd64.raw.zst",
			"disk-image " + img + "/v1.14.1/metal-amd64.qcow2",
			"pxe " + pxe + "/v1.14.1/metal-amd64",
			"kernel " + img + "/v1.14.1/kernel-amd64",
			"initramfs " + img + "/v1.14.1/initramfs-amd64.xz",
			"cmdline " + img + "/v1.14.1/cmdline-metal-amd64",
			"uki " + img + "/v1.14.1/metal-amd64-uki.efi",
		}},
		{"metal before zstd", Target{TalosVersion: "v1.7.6", Platform: "metal", Arch: "arm64"}, []string{
			"installer factory.talos.dev/installer/" + tsID + ":v1.7.6",
			"iso " + img + "/v1.7.6/metal-arm64.iso",
			"disk-image " + img + "/v1.7.6/metal-arm64.raw.xz",
			"disk-image " + img + "/v1.7.6/metal-arm64.qcow2",
			"pxe " + pxe + "/v1.7.6/metal-arm64",
			"kernel " + img + "/v1.7.6/kernel-arm64",
			"initramfs " + img + "/v1.7.6/initramfs-arm64.xz",
			"cmdline " + img + "/v1.7.6/cmdline-metal-arm64",
			"uki " + img + "/v1.7.6/metal-arm64-uki.efi",
		}},
		{"metal secure boot", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64", SecureBoot: true}, []string{
			"installer factory.talos.dev/metal-installer-secureboot/" + tsID + ":v1.14.1",
			"iso " + img + "/v1.14.1/metal-amd64-secureboot.iso",
			"disk-image " + img + "/v1.14.1/metal-amd64-secureboot.raw.zst",
			"pxe " + pxe + "/v1.14.1/metal-amd64-secureboot",
			"uki " + img + "/v1.14.1/metal-amd64-secureboot-uki.efi",
		}},
		{"aws disk image only", Target{TalosVersion: "v1.14.1", Platform: "aws", Arch: "arm64"}, []string{
			"installer factory.talos.dev/aws-installer/" + tsID + ":v1.14.1",
			"disk-image " + img + "/v1.14.1/aws-arm64.raw.xz",
		}},
		{"gcp tarball", Target{TalosVersion: "v1.14.1", Platform: "gcp", Arch: "amd64"}, []string{
			"installer factory.talos.dev/gcp-installer/" + tsID + ":v1.14.1",
			"disk-image " + img + "/v1.14.1/gcp-amd64.raw.tar.gz",
		}},
		{"vmware ova and iso", Target{TalosVersion: "v1.14.1", Platform: "vmware", Arch: "amd64"}, []string{
			"installer factory.talos.dev/vmware-installer/" + tsID + ":v1.14.1",
			"disk-image " + img + "/v1.14.1/vmware-amd64.ova",
			"iso " + img + "/v1.14.1/vmware-amd64.iso",
		}},
		{"equinix pxe only, self-hosted", Target{Factory: "http://factory.lan:8080", TalosVersion: "v1.14.1", Platform: "equinixMetal", Arch: "arm64"}, []string{
			"installer factory.lan:8080/equinixMetal-installer/" + tsID + ":v1.14.1",
			"pxe http://factory.lan:8080/pxe/" + tsID + "/v1.14.1/equinixMetal-arm64",
			"kernel http://factory.lan:8080/image/" + tsID + "/v1.14.1/kernel-arm64",
			"initramfs http://factory.lan:8080/image/" + tsID + "/v1.14.1/initramfs-arm64.xz",
			"cmdline http://factory.lan:8080/image/" + tsID + "/v1.14.1/cmdline-equinixMetal-arm64",
			"uki http://factory.lan:8080/image/" + tsID + "/v1.14.1/equinixMetal-arm64-uki.efi",
		}},
		{"opennebula zstd", Target{TalosVersion: "v1.8.0", Platform: "opennebula", Arch: "amd64"}, []string{
			"installer factory.talos.dev/installer/" + tsID + ":v1.8.0",
			"disk-image " + img + "/v1.8.0/opennebula-amd64.raw.zst",
			"iso " + img + "/v1.8.0/opennebula-amd64.iso",
		}},
		{"board overlay", Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "arm64", Overlay: true}, []string{
			"installer factory.talos.dev/metal-installer/" + tsID + ":v1.14.1",
			"disk-image " + img + "/v1.14.1/metal-arm64.raw.xz",
		}},
		{"pre-1.5 has no UKI", Target{TalosVersion: "v1.4.8", Platform: "nocloud", Arch: "amd64"}, []string{
			"installer factory.talos.dev/installer/" + tsID + ":v1.4.8",
			"disk-image " + img + "/v1.4.8/nocloud-amd64.raw.xz",
			"iso " + img + "/v1.4.8/nocloud-amd64.iso",
			"pxe " + pxe + "/v1.4.8/nocloud-amd64",
			"kernel " + img + "/v1.4.8/kernel-amd64",
			"initramfs " + img + "/v1.4.8/initramfs-amd64.xz",
			"cmdline " + img + "/v1.4.8/cmdline-nocloud-amd64",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Assets(tt.t, tsID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(names(got), tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(names(got), "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	if _, err := Assets(Target{TalosVersion: "v1.14.1", Platform: "metal", Arch: "amd64"}, "abc"); err == nil {
		t.Error("a malformed ID must be rejected")
	}
}
