package lint

import (
	"strings"
	"testing"

	"github.com/tailos/tailos/rules"
)

// guard records a recovered panic under the part's name and lets the parts
// after it run; a part that does not panic leaves no trace.
func TestGuardRecordsWhatItRecovered(t *testing.T) {
	var absent *rules.Tailscale
	tests := []struct {
		name  string
		parts map[string]func()
		want  []string
	}{
		{"no panic", map[string]func(){"a": func() {}}, nil},
		{"nil dereference", map[string]func(){"tailscale extension": func() { _ = absent.Env }},
			[]string{"tailscale extension: runtime error: invalid memory address or nil pointer dereference"}},
		{"panic value", map[string]func(){"install": func() { panic("no install section") }},
			[]string{"install: no install section"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &rules.Config{}
			ran := false
			for part, f := range tt.parts {
				guard(c, part, f)
			}
			guard(c, "after", func() { ran = true })
			if !ran {
				t.Error("the part after a panicking one did not run")
			}
			if strings.Join(c.Unread, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Unread = %q, want %q", c.Unread, tt.want)
			}
		})
	}
}

// wholeFast takes only whole v1alpha1 configs: one without a machine
// section (whose Machine() machinery returns empty) or without a type is a
// patch, and reading it must not panic.
func TestWholeFastNeedsMachineType(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"no machine section", "version: v1alpha1\ncluster:\n  clusterName: c\n", false},
		{"machine without type", "version: v1alpha1\nmachine:\n  certSANs: [a]\n", false},
		{"worker", "version: v1alpha1\nmachine:\n  type: worker\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := wholeFast("c.yaml", []byte(tt.data)); got != tt.want {
				t.Errorf("wholeFast = %v, want %v", got, tt.want)
			}
		})
	}
}
