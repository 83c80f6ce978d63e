package schematic

import (
	"slices"
	"testing"

	"github.com/tailos/tailos/facts/imagefactory"
)

// Every ID imagefactory knows offline must be what this package's ID
// algorithm computes from the definition, with the same extensions.
func TestWellKnownIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range imagefactory.WellKnownSchematics() {
		s, err := Parse([]byte(w.Definition))
		if err != nil {
			t.Fatalf("%s: %v", w.ID, err)
		}
		id, err := s.ID()
		if err != nil {
			t.Fatal(err)
		}
		if id != w.ID {
			t.Errorf("definition %q has ID %s, listed as %s", w.Definition, id, w.ID)
		}
		if got := s.Extensions(); !slices.Equal(got, w.Extensions) {
			t.Errorf("%s: extensions %v, listed as %v", w.ID, got, w.Extensions)
		}
		if seen[id] {
			t.Errorf("%s listed twice", id)
		}
		seen[id] = true
	}
	if !seen[imagefactory.EmptySchematicID] {
		t.Error("the empty schematic is not among the well-known ones")
	}
}
