package ocibuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"time"
)

// Epoch is the timestamp on every file and on the image config, so that a
// digest depends only on content (as with SOURCE_DATE_EPOCH=0).
var Epoch = time.Unix(0, 0).UTC()

// File is one entry of a layer.
type File struct {
	Path string // slash-separated, relative to the image root
	Mode int64
	Data []byte // nil for directories
	Dir  bool
}

// WithParents returns files plus every parent directory (mode 0755) not
// already listed, sorted by path: the order a tar is written in.
func WithParents(files []File) []File {
	out := append([]File(nil), files...)
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Path] = true
	}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "." && d != "/"; d = path.Dir(d) {
			if !listed[d] {
				listed[d] = true
				out = append(out, File{Path: d, Mode: 0o755, Dir: true})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// WriteTar writes files as a tar stream with owner root:root, the given
// modes and Epoch timestamps: nothing about the build host ends up in it.
func WriteTar(w io.Writer, files []File) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.Path,
			Mode:    f.Mode,
			ModTime: Epoch,
			Format:  tar.FormatPAX,
		}
		if f.Dir {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
	}
	return tw.Close()
}

// TarBytes is WriteTar into memory.
func TarBytes(files []File) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteTar(&buf, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
