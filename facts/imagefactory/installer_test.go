package imagefactory

import (
	"reflect"
	"strings"
	"testing"
)

const tsID = "077514df2c1b6436460bc60faabc976687b16193b8a1290fda4366c69024fec2"

func TestParseInstallerImage(t *testing.T) {
	tests := []struct {
		ref  string
		want InstallerRef
	}{
		{"factory.talos.dev/metal-installer/" + tsID + ":v1.14.1", InstallerRef{Registry: "factory.talos.dev", Repository: "metal-installer/" + tsID, Tag: "v1.14.1", Factory: true, Platform: "metal", SchematicID: tsID}},
		{"factory.talos.dev/installer/" + EmptySchematicID + ":v1.9.0", InstallerRef{Registry: "factory.talos.dev", Repository: "installer/" + EmptySchematicID, Tag: "v1.9.0", Factory: true, Platform: "metal", Legacy: true, SchematicID: EmptySchematicID}},
		{"factory.talos.dev/installer-secureboot/" + tsID + ":v1.9.0", InstallerRef{Registry: "factory.talos.dev", Repository: "installer-secureboot/" + tsID, Tag: "v1.9.0", Factory: true, Platform: "metal", Legacy: true, SecureBoot: true, SchematicID: tsID}},
		{"factory.talos.dev/digital-ocean-installer-secureboot/" + tsID + ":latest", InstallerRef{Registry: "factory.talos.dev", Repository: "digital-ocean-installer-secureboot/" + tsID, Tag: "latest", Factory: true, Platform: "digital-ocean", SecureBoot: true, SchematicID: tsID}},
		{"factory.lan:5000/metal-installer/" + tsID, InstallerRef{Registry: "factory.lan:5000", Repository: "metal-installer/" + tsID, Factory: true, Platform: "metal", SchematicID: tsID}},
		{"factory.talos.dev/metal-installer/" + tsID + ":v1.14.1@sha256:" + strings.Repeat("a", 64), InstallerRef{Registry: "factory.talos.dev", Repository: "metal-installer/" + tsID, Tag: "v1.14.1", Digest: "sha256:" + strings.Repeat("a", 64), Factory: true, Platform: "metal", SchematicID: tsID}},
		// A pull-through mirror keeps the factory's path under its own prefix.
		{"harbor.lan/factory/metal-installer/" + tsID + ":v1.14.1", InstallerRef{Registry: "harbor.lan", Repository: "factory/metal-installer/" + tsID, Tag: "v1.14.1", Factory: true, Platform: "metal", SchematicID: tsID}},
		{"registry.lan/factory.talos.dev/installer/" + tsID + ":v1.9.0", InstallerRef{Registry: "registry.lan", Repository: "factory.talos.dev/installer/" + tsID, Tag: "v1.9.0", Factory: true, Platform: "metal", Legacy: true, SchematicID: tsID}},
		{"ghcr.io/siderolabs/installer:v1.13.9", InstallerRef{Registry: "ghcr.io", Repository: "siderolabs/installer", Tag: "v1.13.9"}},
		{"factory.talos.dev/metal-installer/not-an-id:v1.14.1", InstallerRef{Registry: "factory.talos.dev", Repository: "metal-installer/not-an-id", Tag: "v1.14.1"}},
		{"factory.talos.dev/metal/" + tsID + ":v1.14.1", InstallerRef{Registry: "factory.talos.dev", Repository: "metal/" + tsID, Tag: "v1.14.1"}},
		{"factory.talos.dev/metal-installer/" + tsID + "/extra:v1.14.1", InstallerRef{Registry: "factory.talos.dev", Repository: "metal-installer/" + tsID + "/extra", Tag: "v1.14.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ParseInstallerImage(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Ref = tt.ref
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "Factory.Talos.Dev/UPPER/x:y", "host/repo:bad tag"} {
		if _, err := ParseInstallerImage(bad); err == nil {
			t.Errorf("ParseInstallerImage(%q) succeeded, want error", bad)
		}
	}
}

func TestTalosVersion(t *testing.T) {
	for ref, want := range map[string]string{
		"factory.talos.dev/metal-installer/" + tsID + ":v1.14.1":                                   "v1.14.1",
		"factory.talos.dev/metal-installer/" + tsID + ":v1.14.1@sha256:" + strings.Repeat("a", 64): "v1.14.1",
		"ghcr.io/siderolabs/installer:v1.13.9":                                                     "v1.13.9",
		"factory.talos.dev/metal-installer/" + tsID + ":latest":                                    "",
		"factory.talos.dev/metal-installer/" + tsID + ":v1.14.0-beta.1":                            "",
		"factory.talos.dev/metal-installer/" + tsID:                                                "",
	} {
		r, err := ParseInstallerImage(ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.TalosVersion(); got != want {
			t.Errorf("%s: TalosVersion() = %q, want %q", ref, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"siderolabs/tailscale", true},
		{"siderolabs/iscsi-tools", true},
		{"siderolabs/nvidia-container-toolkit-lts", true},
		{"a.b/c_d", true},
		{"siderolabs/tailscale-", false},
		{"siderolabs/-tailscale", false},
		{"siderolabs/tail--scale", false},
		{"siderolabs/tail..scale", false},
		{"Siderolabs/tailscale", false},
		{"tailscale", false},
		{"siderolabs/tailscale/extra", false},
		{"", false},
	} {
		if err := ValidateExtensionName(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidateExtensionName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{EmptySchematicID, true},
		{tsID, true},
		{strings.ToUpper(tsID), false},
		{tsID[:63], false},
		{tsID + "0", false},
	} {
		if err := ValidateSchematicID(tt.id); (err == nil) != tt.ok {
			t.Errorf("ValidateSchematicID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
	}
}

// InstallerImage writes what ParseInstallerImage reads back.
func TestInstallerImageRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		host, platform string
		secureBoot     bool
		want           string
		wantPlatform   string
		legacy         bool
	}{
		{DefaultHost, "metal", false, "factory.talos.dev/metal-installer/" + tsID + ":v1.14.1", "metal", false},
		{DefaultHost, "aws", true, "factory.talos.dev/aws-installer-secureboot/" + tsID + ":v1.14.1", "aws", false},
		{"factory.lan:5000", "", false, "factory.lan:5000/installer/" + tsID + ":v1.14.1", "metal", true},
		{DefaultHost, "", true, "factory.talos.dev/installer-secureboot/" + tsID + ":v1.14.1", "metal", true},
	} {
		got := InstallerImage(tt.host, tt.platform, tsID, "v1.14.1", tt.secureBoot)
		if got != tt.want {
			t.Errorf("InstallerImage = %s, want %s", got, tt.want)
		}
		r, err := ParseInstallerImage(got)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Factory || r.SchematicID != tsID || r.Platform != tt.wantPlatform || r.SecureBoot != tt.secureBoot || r.Legacy != tt.legacy || r.TalosVersion() != "v1.14.1" {
			t.Errorf("%s reads back as %+v", got, r)
		}
	}
}

func TestOfficialName(t *testing.T) {
	for in, want := range map[string]string{"tailscale": "siderolabs/tailscale", "siderolabs/iscsi-tools": "siderolabs/iscsi-tools", "example/x": "example/x"} {
		if got := OfficialName(in); got != want {
			t.Errorf("OfficialName(%q) = %q, want %q", in, got, want)
		}
		if ValidateExtensionName(OfficialName(in)) != nil {
			t.Errorf("OfficialName(%q) is not a valid name", in)
		}
	}
}

func BenchmarkParseInstallerImage(b *testing.B) {
	ref := "factory.talos.dev/metal-installer/" + tsID + ":v1.14.1"
	b.ReportAllocs()
	for b.Loop() {
		if r, err := ParseInstallerImage(ref); err != nil || !r.Factory {
			b.Fatal(r, err)
		}
	}
}

func TestTalosBefore(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"v1.13.2", true}, {"1.13", true}, {"v1.14.0-beta.0", false}, {"v1.14.1", false},
		{"v2.0.0", false}, {"v0.14.0", true}, {"", false}, {"latest", false}, {"v1", false},
	} {
		if got := TalosBefore(tc.v, 1, 14); got != tc.want {
			t.Errorf("TalosBefore(%q, 1, 14) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
