package lint

import (
	"regexp"
	"testing"
)

// The byte scans answer as the multi-line regular expressions they
// replace.
func TestTopLineMatchesRegexp(t *testing.T) {
	for _, tc := range []struct {
		re    *regexp.Regexp
		match func([]byte) bool
	}{
		{regexp.MustCompile(`(?m)^version:\s*v1alpha1\s*$`), v1alpha1Line},
		{regexp.MustCompile(`(?m)^nodes:`), prefixLine("nodes:")},
		{regexp.MustCompile(`(?m)^clusterName:`), prefixLine("clusterName:")},
	} {
		for _, src := range []string{
			"", "version: v1alpha1", "version: v1alpha1\n", "version:v1alpha1\r\n", "version: v1alpha1 \t\nmachine: {}\n",
			"  version: v1alpha1\n", "version: v1alpha12\n", "# version: v1alpha1\n", "a: b\nversion:   v1alpha1",
			"nodes:\n", "nodes: []", " nodes:\n", "x: 1\nnodes:", "clusterName: c\n", "---\nclusterName: c", "kind: x\n  clusterName: c\n",
			"version: v1alpha1\rmachine: {}\n",
		} {
			if got, want := topLine([]byte(src), tc.match), tc.re.MatchString(src); got != want {
				t.Errorf("%s on %q: scan %v, regexp %v", tc.re, src, got, want)
			}
		}
	}
}

func TestIsSchematic(t *testing.T) {
	for src, want := range map[string]bool{
		"customization:\n  systemExtensions: {}\n": true,
		"overlay:\n  name: rpi\n":                  true,
		"{customization: {}}\n":                    true,
		"customization: {}\nmachine: {}\n":         false,
		"version: v1alpha1\nmachine: {}\n":         false,
		"":                                         false,
		// The first line of content decides before any parse.
		"# schematic\n---\n\ncustomization:\n  systemExtensions: {}\n": true,
		"#!\n\n---\noverlay:\n  name: rpi\n":                           true,
		"\"customization\": {}\n":                                      true,
		"  customization: {}\n  overlay: {name: rpi}\n":                true,
		"machine: {}\ncustomization: {}\n":                             false,
		"--- \ncustomization: {}\n":                                    true,
	} {
		if got := isSchematic([]byte(src)); got != want {
			t.Errorf("isSchematic(%q) = %v", src, got)
		}
	}
}
