package extension

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Epoch is the timestamp on every file and on the image config, so that the
// digest depends only on content (as with SOURCE_DATE_EPOCH=0).
var Epoch = time.Unix(0, 0).UTC()

// file is one entry of the extension's single layer.
type file struct {
	path string // slash-separated, relative to the image root
	mode int64
	data []byte // nil for directories
	dir  bool
}

// layerFiles returns the image contents: manifest.yaml, the service spec and
// the binaries, plus every parent directory, sorted by path.
func layerFiles(manifest, spec []byte, binDir string) ([]file, error) {
	files := []file{
		{path: ManifestPath, mode: 0o644, data: manifest},
		{path: SpecPath, mode: 0o644, data: spec},
	}
	root := path.Join(ContainersDir, ServiceName, strings.TrimPrefix(BinDir, "/"))
	for _, name := range Binaries {
		b, err := os.ReadFile(filepath.Join(binDir, name))
		if err != nil {
			return nil, fmt.Errorf("reading binary: %w", err)
		}
		files = append(files, file{path: path.Join(root, name), mode: 0o755, data: b})
	}
	seen := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.path); d != "."; d = path.Dir(d) {
			seen[d] = true
		}
	}
	for d := range seen {
		files = append(files, file{path: d, mode: 0o755, dir: true})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// writeTar writes files as a tar stream with owner root:root, fixed modes and
// Epoch timestamps: nothing about the build host ends up in the layer.
func writeTar(w io.Writer, files []file) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.path,
			Mode:    f.mode,
			ModTime: Epoch,
			Format:  tar.FormatPAX,
		}
		if f.dir {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", f.path, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("writing %s: %w", f.path, err)
		}
	}
	return tw.Close()
}

func tarBytes(files []file) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeTar(&buf, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
