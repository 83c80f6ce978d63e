package schematic

import (
	"strings"
	"testing"

	factory "github.com/siderolabs/image-factory/pkg/schematic"
	"github.com/siderolabs/talos/pkg/machinery/imager/imageropts"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
)

// The factory's own published (schematic, ID) pairs (pkg/schematic tests).
func TestPublishedVectors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"V01 empty object", `{}`, imagefactory.EmptySchematicID},
		{"V01 empty customization", `customization: {}`, imagefactory.EmptySchematicID},
		{"V01 null customization", "customization:\n", imagefactory.EmptySchematicID},
		{"V01 empty list", `customization: {"extraKernelArgs": []}`, imagefactory.EmptySchematicID},
		{"V02 kernel args", `{"customization": {"extraKernelArgs": ["noapic", "nolapic"]}}`, "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c"},
		{"V02 with empty extensions", `{"customization": {"extraKernelArgs": ["noapic", "nolapic"], "systemExtensions": {}}}`, "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c"},
		{"V02 block style", "customization:\n  extraKernelArgs:\n  - noapic\n  - nolapic\n", "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c"},
		{"V03 meta", `{"customization": {"meta": [{"key": 10, "value": "foo"}], "extraKernelArgs": [], "systemExtensions": {}}}`, "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f"},
		{"V03 meta hex key", "customization:\n    meta:\n        - key: 0xa\n          value: foo\n", "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f"},
		{"V04 secureboot", `{"customization":{"secureboot": {"includeWellKnownCertificates": true}}}`, "fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6"},
		{"V05 sector size", "customization:\n  diskImage:\n    sectorSize: 4096\n", "92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea"},
		{"V06 overlay", `{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"}}`, "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9"},
		{"V06 overlay empty customization", `{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"},"customization":{}}`, "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9"},
		{"bootloader none is the zero value", "customization:\n  bootloader: none\n", imagefactory.EmptySchematicID},
		// Tailscale only: the ID in real installer images of public Talos
		// configs (factory.talos.dev/metal-installer/4a0d65c6...:v1.8.0).
		{"tailscale only", "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/tailscale]\n", "4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := s.ID()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				b, _ := s.Marshal()
				t.Errorf("ID = %s, want %s\ncanonical:\n%s", got, tt.want, b)
			}
		})
	}
}

// Every field the factory's published package knows must hash identically.
func TestIDMatchesFactoryPackage(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		ours Schematic
		fac  factory.Schematic
	}{
		{"empty", Schematic{}, factory.Schematic{}},
		{
			"extensions and args",
			*New([]string{"siderolabs/tailscale", "siderolabs/iscsi-tools"}, []string{"console=ttyS0", "net.ifnames=0"}),
			factory.Schematic{Customization: factory.Customization{
				ExtraKernelArgs:  []string{"console=ttyS0", "net.ifnames=0"},
				SystemExtensions: factory.SystemExtensions{OfficialExtensions: []string{"siderolabs/tailscale", "siderolabs/iscsi-tools"}},
			}},
		},
		{
			"awkward scalars",
			Schematic{Customization: Customization{
				ExtraKernelArgs: []string{"yes", "on", "true", "0x10", "1.5", "-", "a: b", "#x", "é", long, `'quoted'`, `"dq"`, "null", "~"},
				Meta:            []MetaValue{{Key: 0, Value: ""}, {Key: 255, Value: "{\"externalIPs\":[\"1.2.3.4\"]}"}, {Key: 10, Value: "line1\nline2\n"}},
			}},
			factory.Schematic{Customization: factory.Customization{
				ExtraKernelArgs: []string{"yes", "on", "true", "0x10", "1.5", "-", "a: b", "#x", "é", long, `'quoted'`, `"dq"`, "null", "~"},
				Meta:            []factory.MetaValue{{Key: 0, Value: ""}, {Key: 255, Value: "{\"externalIPs\":[\"1.2.3.4\"]}"}, {Key: 10, Value: "line1\nline2\n"}},
			}},
		},
		{
			"overlay with nested options",
			Schematic{Overlay: Overlay{Image: "siderolabs/sbc-rockchip", Name: "turingrk1", Options: map[string]any{"z": 1, "a": []any{"x", true}, "m": map[string]any{"k": "v: w"}}}},
			factory.Schematic{Overlay: factory.Overlay{Image: "siderolabs/sbc-rockchip", Name: "turingrk1", Options: map[string]any{"z": 1, "a": []any{"x", true}, "m": map[string]any{"k": "v: w"}}}},
		},
		{
			"secureboot well-known",
			Schematic{Customization: Customization{SecureBoot: SecureBootCustomization{IncludeWellKnownCertificates: true}}},
			factory.Schematic{Customization: factory.Customization{SecureBoot: factory.SecureBootCustomization{IncludeWellKnownCertificates: true}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, err := tt.ours.ID()
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := tt.fac.ID()
			if err != nil {
				t.Fatal(err)
			}
			if ours != theirs {
				a, _ := tt.ours.Marshal()
				b, _ := tt.fac.Marshal()
				t.Errorf("ID %s != factory %s\nours:\n%s\nfactory:\n%s", ours, theirs, a, b)
			}
			// Bytes the factory package decodes must give our ID too.
			b, _ := tt.fac.Marshal()
			back, _, err := decode(b)
			if err != nil {
				t.Fatalf("decode(factory bytes): %v", err)
			}
			if id, _ := back.ID(); id != theirs {
				t.Errorf("re-parsed ID %s != %s", id, theirs)
			}
		})
	}
}

// Fields the published package lacks: the canonical encoding puts them in
// the factory's struct order. The expected bytes are written out by hand.
func TestCanonicalEncodingOfNewerFields(t *testing.T) {
	s := Schematic{
		Owner:   "alice@example.com",
		Overlay: Overlay{Image: "siderolabs/sbc-raspberrypi", Name: "rpi_generic", Options: map[string]any{"data": "mydata"}},
		Customization: Customization{
			EmbeddedMachineConfiguration: "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: node-1\n",
			ExtraKernelArgs:              []string{"vga=791"},
			Meta:                         []MetaValue{{Key: 0xa, Value: "{}"}},
			SystemExtensions:             SystemExtensions{OfficialExtensions: []string{"siderolabs/gvisor", "siderolabs/amd-ucode"}},
			Bootloader:                   imageropts.BootLoaderKindSDBoot,
			SecureBoot:                   SecureBootCustomization{EnrollKeys: "force", IncludeWellKnownCertificates: true},
			DiskImage:                    DiskImageCustomization{SectorSize: 4096},
		},
	}
	want := `owner: alice@example.com
overlay:
    image: siderolabs/sbc-raspberrypi
    name: rpi_generic
    options:
        data: mydata
customization:
    embeddedMachineConfiguration: |
        apiVersion: v1alpha1
        kind: HostnameConfig
        hostname: node-1
    extraKernelArgs:
        - vga=791
    meta:
        - key: 10
          value: '{}'
    systemExtensions:
        officialExtensions:
            - siderolabs/gvisor
            - siderolabs/amd-ucode
    bootloader: sd-boot
    secureboot:
        enrollKeys: force
        includeWellKnownCertificates: true
    diskImage:
        sectorSize: 4096
`
	got, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("canonical bytes:\n%s\nwant:\n%s", got, want)
	}
	// Round trip: the canonical bytes parse back to the same ID.
	back, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	id1, _ := s.ID()
	id2, _ := back.ID()
	if id1 != id2 {
		t.Errorf("round trip changed ID: %s -> %s", id1, id2)
	}
}

func TestOrderChangesID(t *testing.T) {
	a, _ := New([]string{"siderolabs/tailscale", "siderolabs/iscsi-tools"}, nil).ID()
	b, _ := New([]string{"siderolabs/iscsi-tools", "siderolabs/tailscale"}, nil).ID()
	if a == b {
		t.Fatal("extension order must change the ID")
	}
}

func BenchmarkID(b *testing.B) {
	s := New([]string{tailscaleext.Name, "siderolabs/iscsi-tools", "siderolabs/util-linux-tools"}, []string{"console=ttyS0", "net.ifnames=0"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ID(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseID(b *testing.B) {
	data := []byte("customization:\n  extraKernelArgs: [console=ttyS0]\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/tailscale\n      - siderolabs/iscsi-tools\n")
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ID(); err != nil {
			b.Fatal(err)
		}
	}
}
