package ocibuild

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestWithParents(t *testing.T) {
	got := WithParents([]File{
		{Path: "usr/local/bin/tailos", Mode: 0o755, Data: []byte("x")},
		{Path: "etc/ssl/certs/ca.crt", Mode: 0o644, Data: []byte("y")},
		{Path: "etc", Mode: 0o700, Dir: true},
	})
	want := []string{"etc", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca.crt", "usr", "usr/local", "usr/local/bin", "usr/local/bin/tailos"}
	if len(got) != len(want) {
		t.Fatalf("got %d entries %v, want %v", len(got), got, want)
	}
	for i, f := range got {
		if f.Path != want[i] {
			t.Errorf("entry %d: %s, want %s", i, f.Path, want[i])
		}
	}
	if got[0].Mode != 0o700 {
		t.Errorf("a listed directory keeps its mode: got %o", got[0].Mode)
	}
}

func TestTarCarriesNoHostFacts(t *testing.T) {
	raw, err := TarBytes(WithParents([]File{{Path: "bin/tool", Mode: 0o755, Data: []byte("#!/bin/sh\n")}}))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(Epoch) {
			t.Errorf("%s: owner %d:%d %q:%q mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
	}
	if len(names) != 2 || names[0] != "bin/" || names[1] != "bin/tool" {
		t.Errorf("entries %v, want [bin/ bin/tool]", names)
	}
}

func TestImageAndIndexAreReproducible(t *testing.T) {
	build := func(order []string) v1.Hash {
		t.Helper()
		imgs := map[string]v1.Image{}
		for _, arch := range order {
			img, err := Image([]File{{Path: "tool", Mode: 0o755, Data: []byte(arch)}}, "linux", arch,
				v1.Config{Entrypoint: []string{"/tool"}})
			if err != nil {
				t.Fatal(err)
			}
			imgs[arch] = img
		}
		d, err := Index("linux", imgs).Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := build([]string{"amd64", "arm64"}), build([]string{"arm64", "amd64"})
	if a != b {
		t.Fatalf("same content, different index digests: %s vs %s", a, b)
	}

	img, err := Image([]File{{Path: "tool", Mode: 0o755, Data: []byte("x")}}, "linux", "arm64", v1.Config{Entrypoint: []string{"/tool"}})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "arm64" || !cf.Created.Time.Equal(Epoch) || len(cf.History) != 0 || cf.Config.Entrypoint[0] != "/tool" {
		t.Errorf("config %+v", cf)
	}
	mt, err := img.MediaType()
	if err != nil || mt != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("media type %q %v", mt, err)
	}
}

// TestImageLevel: a level gives one digest, build after build; another
// level another digest (it is part of the image); out-of-range levels fail.
func TestImageLevel(t *testing.T) {
	files := []File{{Path: "bin/tool", Mode: 0o755, Data: bytes.Repeat([]byte("tailos layer "), 4096)}}
	digest := func(level int) (v1.Hash, error) {
		img, err := ImageLevel(files, "linux", "amd64", v1.Config{}, level)
		if err != nil {
			return v1.Hash{}, err
		}
		return img.Digest()
	}
	tests := []struct {
		name    string
		a, b    int
		same    bool
		wantErr bool
	}{
		{name: "level 6 twice", a: 6, b: 6, same: true},
		{name: "level 9 twice", a: 9, b: 9, same: true},
		{name: "level 1 and 9", a: 1, b: 9, same: false},
		{name: "level 0", a: 0, b: 0, wantErr: true},
		{name: "level 10", a: 10, b: 10, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			da, err := digest(tt.a)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("level %d: no error", tt.a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			db, err := digest(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if (da == db) != tt.same {
				t.Errorf("digests %s and %s: same = %v, want %v", da, db, da == db, tt.same)
			}
		})
	}
}
