package schematic

import (
	"testing"

	factory "github.com/siderolabs/image-factory/pkg/schematic"
)

// Any strings in the fields both models know hash the same as with the
// factory's published package.
func FuzzIDMatchesFactoryPackage(f *testing.F) {
	for _, s := range []string{"", "yes", "on", "<<", "a: b", "line1\nline2\n", "é", "0x10", "'q'", "- x", "{}", "\t", "null"} {
		f.Add(s, s, uint8(10), s)
	}
	f.Fuzz(func(t *testing.T, arg, value string, key uint8, ext string) {
		ours := Schematic{
			Overlay: Overlay{Image: ext, Name: arg, Options: map[string]any{value: arg}},
			Customization: Customization{
				ExtraKernelArgs:  []string{arg, value},
				Meta:             []MetaValue{{Key: key, Value: value}},
				SystemExtensions: SystemExtensions{OfficialExtensions: []string{ext}},
			},
		}
		theirs := factory.Schematic{
			Overlay: factory.Overlay{Image: ext, Name: arg, Options: map[string]any{value: arg}},
			Customization: factory.Customization{
				ExtraKernelArgs:  []string{arg, value},
				Meta:             []factory.MetaValue{{Key: key, Value: value}},
				SystemExtensions: factory.SystemExtensions{OfficialExtensions: []string{ext}},
			},
		}
		a, errA := ours.ID()
		b, errB := theirs.ID()
		if (errA == nil) != (errB == nil) || a != b {
			t.Fatalf("ID %s (%v) != factory %s (%v)", a, errA, b, errB)
		}
	})
}

// Whatever Parse accepts re-encodes to bytes that parse to the same ID.
func FuzzParseRoundTrip(f *testing.F) {
	for _, s := range []string{
		"{}", "customization: {}", "customization:\n  meta:\n    - key: 0xa\n      value: foo\n",
		"overlay: {name: rpi_generic, image: siderolabs/sbc-raspberrypi, options: {a: [1, yes]}}",
		"customization:\n  bootloader: sd-boot\n  secureboot: {enrollKeys: force}\n  diskImage: {sectorSize: 4096}\n",
		"customization:\n  embeddedMachineConfiguration: |\n    a: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		id, err := s.ID()
		if err != nil {
			return // e.g. overlay options the encoder cannot represent
		}
		canonical, _ := s.Marshal()
		back, _, err := decode(canonical)
		if err != nil {
			t.Fatalf("canonical bytes do not decode: %v\n%s", err, canonical)
		}
		if id2, _ := back.ID(); id2 != id {
			t.Fatalf("round trip changed ID %s -> %s\n%s", id, id2, canonical)
		}
	})
}
