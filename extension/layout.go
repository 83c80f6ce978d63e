package extension

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tailos/tailos/internal/ocibuild"
)

// Epoch is the timestamp on every file and on the image config, so that the
// digest depends only on content (as with SOURCE_DATE_EPOCH=0).
var Epoch = ocibuild.Epoch

// layerFiles returns the image contents: manifest.yaml, the service spec,
// Tailscale's binaries from binDir and the clamp from clampDir (parent
// directories are added when the layer is written).
func layerFiles(manifest, spec []byte, binDir, clampDir string) ([]ocibuild.File, error) {
	files := []ocibuild.File{
		{Path: ManifestPath, Mode: 0o644, Data: manifest},
		{Path: SpecPath, Mode: 0o644, Data: spec},
	}
	root := path.Join(ContainersDir, ServiceName, strings.TrimPrefix(BinDir, "/"))
	add := func(dir, name string) error {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("reading binary: %w", err)
		}
		files = append(files, ocibuild.File{Path: path.Join(root, name), Mode: 0o755, Data: b})
		return nil
	}
	for _, name := range Binaries {
		if err := add(binDir, name); err != nil {
			return nil, err
		}
	}
	if err := add(clampDir, ClampBinary); err != nil {
		return nil, err
	}
	return files, nil
}
