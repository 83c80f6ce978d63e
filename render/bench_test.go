package render

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkWrite1000 writes a 1,000-node set (a 2 KiB patch per node, as
// gen writes them) into a new directory.
func BenchmarkWrite1000(b *testing.B) {
	files := []File{{Path: "schematic.yaml", Data: []byte("customization: {}\n")}}
	body := strings.Repeat("# padding to a patch's size\n", 75)
	for i := 0; i < 1000; i++ {
		files = append(files, File{Path: fmt.Sprintf("nodes/n%04d.yaml", i), Data: []byte(body + "node: " + strconv.Itoa(i) + "\n")})
	}
	files = append(files, File{Path: "secrets/auth.yaml", Data: []byte("k: v\n"), Secret: true})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Write(filepath.Join(b.TempDir(), "out"), files, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
