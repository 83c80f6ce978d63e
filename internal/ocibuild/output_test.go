package ocibuild

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func testIndex(t *testing.T) Content {
	t.Helper()
	imgs := map[string]v1.Image{}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := Image([]File{{Path: "tool", Mode: 0o755, Data: []byte(arch)}}, "linux", arch, v1.Config{})
		if err != nil {
			t.Fatal(err)
		}
		imgs[arch] = img
	}
	return Content{Index: Index("linux", imgs)}
}

func TestWriteLayout(t *testing.T) {
	c := testIndex(t)
	want, err := c.Digest()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "image")
	if err := WriteLayout(dir, "tool:v1", c); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != want || m.Manifests[0].Annotations[RefNameAnnotation] != "tool:v1" {
		t.Fatalf("layout index %+v, want one entry %s named tool:v1", m.Manifests, want)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("layout dir mode %v %v, want 0755", fi.Mode(), err)
	}

	// A second write into the now non-empty directory is refused and leaves it alone.
	err = WriteLayout(dir, "tool:v2", c)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second write: %v, want a refusal", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".tailos-layout-*"))
	if len(left) != 0 {
		t.Errorf("temporary layouts left behind: %v", left)
	}
}

func TestPushToRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/tailos/tool:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	c := testIndex(t)
	want, _ := c.Digest()
	got, err := Push(context.Background(), ref, c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "@"+want.String()) {
		t.Errorf("Push returned %s, want digest %s", got, want)
	}
	idx, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := idx.Digest(); d != want {
		t.Errorf("registry has %s, want %s", d, want)
	}
}
