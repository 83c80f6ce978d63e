package imagefactory

import (
	"slices"
	"testing"
)

// The factory's published vectors and the Tailscale schematic the rule
// tests use pin these IDs (schematic's tests recompute every one).
func TestLookupWellKnown(t *testing.T) {
	for id, exts := range map[string][]string{
		"376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba": nil, // factory TestID "empty"
		"9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c": nil, // "config1"
		"d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f": nil, // "meta"
		"fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6": nil, // "secureboot"
		"4a0d65c669d46663f377e7161e50cfd570c401f26fd9e7bda34a0216b6f1922b": {"siderolabs/tailscale"},
	} {
		got, ok := LookupWellKnown(id)
		if !ok {
			t.Errorf("%s not known", id)
			continue
		}
		if !slices.Equal(got, exts) {
			t.Errorf("%s: extensions %v, want %v", id, got, exts)
		}
	}
	if _, ok := LookupWellKnown(tsID); ok {
		t.Errorf("%s is not a well-known schematic", tsID)
	}
	ws := WellKnownSchematics()
	ws[4].Extensions[0] = "changed"
	if got, _ := LookupWellKnown(ws[4].ID); got[0] == "changed" {
		t.Error("WellKnownSchematics shares its extension lists")
	}
}
