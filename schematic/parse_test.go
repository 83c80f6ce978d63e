package schematic

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailos/tailos/facts/tailscaleext"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantLine  int
		wantField string
		wantMsg   string
	}{
		{"unknown top-level field", "customization: {}\nextensions: [x]\n", 2, "extensions", `unknown field "extensions" in the top level`},
		{"unknown customization field", "customization:\n  systemExtension:\n    officialExtensions: [siderolabs/tailscale]\n", 2, "customization.systemExtension", `unknown field "systemExtension" in customization`},
		{"unknown meta field", "customization:\n  meta:\n    - key: 10\n      val: foo\n", 4, "customization.meta[0].val", `unknown field "val"`},
		{"meta key out of range", "customization:\n  meta:\n    - key: 300\n      value: foo\n", 3, "customization.meta[0].key", "300 is out of range: META keys are 0-255"},
		{"negative meta key", "customization:\n  meta:\n    - key: -1\n      value: foo\n", 3, "customization.meta[0].key", "out of range"},
		{"bootloader auto", "customization:\n  bootloader: auto\n", 2, "customization.bootloader", "unknown bootloader; one of none, dual-boot, sd-boot, grub"},
		{"args not a list", "customization:\n  extraKernelArgs: console=ttyS0\n", 2, "customization.extraKernelArgs", "want a list"},
		{"sector size text", "customization:\n  diskImage:\n    sectorSize: big\n", 3, "customization.diskImage.sectorSize", "not a valid sector size"},
		{"customization as a list", "customization: []\n", 1, "customization", "want a mapping, got a list"},
		{"args as a mapping", "customization:\n  extraKernelArgs:\n    a: 1\n", 3, "customization.extraKernelArgs", "want a list, got a mapping"},
		{"malformed flow", "customization:\n  extraKernelArgs: [a, b\n", 3, "", "did not find expected"},
		{"bad indentation", "customization:\n  extraKernelArgs:\n  - a\n - b\n", 4, "", ""},
		{"duplicate key", "customization: {}\ncustomization: {}\n", 2, "", "already defined"},
		{"empty", "", 1, "", "empty input"},
		{"top-level list", "- siderolabs/tailscale\n", 1, "", "a schematic is a mapping, got a list"},
		{"two documents", "customization: {}\n---\ncustomization: {}\n", 2, "", "more than one YAML document"},
		{"invalid extension name", "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/tailscale\n      - tailscale\n", 5, "customization.systemExtensions.officialExtensions[1]", `invalid extension name "tailscale"`},
		{"upper-case extension", `{"customization":{"systemExtensions":{"officialExtensions":["Siderolabs/Tailscale"]}}}`, 1, "customization.systemExtensions.officialExtensions[0]", "invalid extension name"},
		{"kernel arg with spaces", "customization:\n  extraKernelArgs:\n    - console=ttyS0 console=tty0\n", 3, "customization.extraKernelArgs[0]", "one non-empty word"},
		{"enrollKeys unknown", "customization:\n  secureboot:\n    enrollKeys: always\n", 3, "customization.secureboot.enrollKeys", `unknown mode "always"`},
		{"overlay half set", "overlay:\n  image: siderolabs/sbc-raspberrypi\n", 2, "overlay", "needs both image and name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not Errors", err, err)
			}
			e := errs[0]
			if e.Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", e.Line, tt.wantLine, e)
			}
			if e.Field != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", e.Field, tt.wantField, e)
			}
			if !strings.Contains(e.Msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.wantMsg)
			}
		})
	}
}

func TestErrorsWithFile(t *testing.T) {
	_, err := Parse([]byte("customization:\n  bogus: 1\n"))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatal(err)
	}
	got := errs.WithFile("s.yaml").Error()
	if !strings.HasPrefix(got, "s.yaml:2: customization.bogus: unknown field") {
		t.Errorf("got %q", got)
	}
}

func TestValidateInCode(t *testing.T) {
	if err := New([]string{tailscaleext.Name}, []string{"console=ttyS0"}).Validate(); err != nil {
		t.Errorf("valid schematic: %v", err)
	}
	err := New([]string{"tailscale"}, nil).Validate()
	if err == nil || !strings.Contains(err.Error(), "customization.systemExtensions.officialExtensions[0]") {
		t.Errorf("want located error, got %v", err)
	}
}
