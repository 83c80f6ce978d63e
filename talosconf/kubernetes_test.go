package talosconf

import "testing"

// Each supported Talos line gets a Kubernetes version its own
// compatibility table accepts; 1.13 cannot take machinery's 1.37.
func TestKubernetesVersionFor(t *testing.T) {
	for _, tc := range []struct{ talos, want string }{
		{"v1.14.1", "1.37.0"},
		{"v1.13.9", "1.36.0"},
		{"v1.7.0", ""},
	} {
		got, err := KubernetesVersionFor(tc.talos)
		if err != nil {
			t.Fatalf("%s: %v", tc.talos, err)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %s, want %s", tc.talos, got, tc.want)
		}
		if err := KubernetesSupported(tc.talos, got); err != nil {
			t.Errorf("%s: %s not supported: %v", tc.talos, got, err)
		}
	}
	for _, v := range SupportedVersions() {
		if _, err := KubernetesVersionFor(v + ".0"); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	if err := KubernetesSupported("v1.13.9", "1.37.0"); err == nil {
		t.Error("Talos 1.13 accepted Kubernetes 1.37")
	}
}
