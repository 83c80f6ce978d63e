package spec

import (
	"strings"
	"testing"
)

const (
	testExtImage     = "registry.lan/tailos/tailscale:1.96.5@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testExtInstaller = "registry.lan/talos/installer-tailscale:v1.14.1"
)

// withExtension puts a tailnet.extension block (YAML lines under it) into
// the minimal spec.
func withExtension(lines ...string) string {
	block := "  extension:\n"
	for _, l := range lines {
		block += "    " + l + "\n"
	}
	return strings.Replace(good, "nodes:\n", block+"nodes:\n", 1)
}

// TestExtensionSource: the official extension by default, the tailos-built
// one with its image and installer; every wrong combination is an error
// naming the line and field, and a tag without a digest is a warning.
func TestExtensionSource(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		tailos    bool
		err, warn string
	}{
		{name: "default", src: good},
		{name: "official", src: withExtension("source: official")},
		{name: "tailos", src: withExtension("source: tailos", "image: "+testExtImage, "installer: "+testExtInstaller), tailos: true},
		{name: "tailos tag only", src: withExtension("source: tailos", "image: registry.lan/tailos/tailscale:1.96.5", "installer: "+testExtInstaller), tailos: true,
			warn: "t.yaml:10: tailnet.extension.image: registry.lan/tailos/tailscale:1.96.5 is not pinned by digest"},
		{name: "unknown source", src: withExtension("source: custom"), err: `t.yaml:9: tailnet.extension.source: unknown source "custom" (want official or tailos)`},
		{name: "image without tailos", src: withExtension("image: " + testExtImage), err: "t.yaml:9: tailnet.extension.image: is set, but the official extension comes from the Image Factory"},
		{name: "tailos without image", src: withExtension("source: tailos", "installer: "+testExtInstaller), err: "tailnet.extension.image: is required with source: tailos"},
		{name: "tailos without installer", src: withExtension("source: tailos", "image: "+testExtImage), err: "tailnet.extension.installer: is required with source: tailos"},
		{name: "bad image", src: withExtension("source: tailos", "image: Not An Image", "installer: "+testExtInstaller), err: `t.yaml:10: tailnet.extension.image: "Not An Image" is not an image reference`},
		{name: "factory installer", src: withExtension("source: tailos", "image: "+testExtImage,
			"installer: factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.14.1"),
			err: "t.yaml:11: tailnet.extension.installer: factory.talos.dev/metal-installer/376567988ad3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(tc.src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.TailosExtension(); got != tc.tailos {
				t.Errorf("TailosExtension() = %v, want %v", got, tc.tailos)
			}
			var warnings string
			for _, w := range s.Warnings() {
				if strings.Contains(w, "tailnet.extension") {
					warnings += w + "\n"
				}
			}
			if tc.warn == "" && warnings != "" || !strings.Contains(warnings, tc.warn) {
				t.Errorf("warnings:\n%s\nwant %q", warnings, tc.warn)
			}
		})
	}
}
