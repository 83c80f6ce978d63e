package release

import (
	"compress/gzip"
	"fmt"
	"os"

	"github.com/tailos/tailos/internal/ocibuild"
)

// writeArchive writes a .tar.gz with the binary and the README under one
// top directory, with fixed owners, modes and timestamps, and a gzip header
// without name or time: the archive's bytes depend only on its content.
func writeArchive(path, top string, binary, readme []byte) error {
	files := []ocibuild.File{
		{Path: top + "/tailos", Mode: 0o755, Data: binary},
		{Path: top + "/README.md", Mode: 0o644, Data: readme},
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	if err := ocibuild.WriteTar(zw, ocibuild.WithParents(files)); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
