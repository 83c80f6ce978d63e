package spec

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tailos/tailos/schematic"
)

// gen, schematic id and schematic new must accept the same extension
// names: a spec once took names (siderolabs/tailscale-, a--b/c) that the
// schematic gen wrote from it then failed on.
func TestExtensionNamesAgreeWithSchematic(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"siderolabs/iscsi-tools", true},
		{"siderolabs/util-linux-tools", true},
		{"siderolabs/nvidia-open-gpu-kernel-modules-lts", true},
		{"example.org/my_ext", true},
		{"siderolabs/tailscale-", false},
		{"siderolabs/iscsi--tools", false},
		{"siderolabs/iscsi..tools", false},
		{"siderolabs./iscsi-tools", false},
		{"siderolabs/iscsi_", false},
		{"Siderolabs/iscsi-tools", false},
		{"iscsi-tools", false},
		{"siderolabs/iscsi-tools/v2", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, "  lanSubnets:", "  extensions: ["+strconv.Quote(tt.name)+"]\n  lanSubnets:", 1)
			_, specErr := Parse("t.yaml", []byte(src))
			_, schErr := schematic.Parse([]byte("customization:\n  systemExtensions:\n    officialExtensions: [" + strconv.Quote(tt.name) + "]\n"))
			if (specErr == nil) != (schErr == nil) {
				t.Errorf("spec: %v; schematic: %v", specErr, schErr)
			}
			if (specErr == nil) != tt.ok {
				t.Errorf("spec accepts = %v, want %v (%v)", specErr == nil, tt.ok, specErr)
			}
			if specErr != nil && !strings.Contains(specErr.Error(), "t.yaml:4: cluster.extensions[0]: ") {
				t.Errorf("error does not name the file, line and field: %v", specErr)
			}
		})
	}
}
