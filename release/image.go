package release

import (
	"encoding/pem"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/tailos/tailos/internal/ocibuild"
)

// Paths inside the tailos image.
const (
	ImageBinary = "/usr/local/bin/tailos"
	ImageCAFile = "/etc/ssl/certs/ca-certificates.crt"
	// ImageWorkDir is where `docker run -v "$PWD:/work" … check /work` and
	// the GitHub Action mount the files to check.
	ImageWorkDir = "/work"
)

// ImageName is the repository name recorded in the layout (tailos:<version>).
const ImageName = "tailos"

// caBundle is the Mozilla root set as Go's x/crypto/x509roots ships it (a
// pinned module, so the image does not depend on the build host's
// certificates). Roots that bundle restricts with a distrust date are left
// out: a PEM file cannot carry the restriction.
func caBundle() []byte {
	var out []byte
	for c := range bundle.Roots() {
		if c.Constraint != nil {
			continue
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate})...)
	}
	return out
}

// buildImage makes the linux image of one architecture: the static binary
// and the CA bundle on an empty base, the binary as the entrypoint.
func buildImage(binary, ca []byte, version, arch string) (v1.Image, error) {
	files := []ocibuild.File{
		{Path: ImageBinary[1:], Mode: 0o755, Data: binary},
		{Path: ImageCAFile[1:], Mode: 0o644, Data: ca},
		{Path: ImageWorkDir[1:], Mode: 0o755, Dir: true},
	}
	img, err := ocibuild.Image(files, "linux", arch, v1.Config{
		Entrypoint: []string{ImageBinary},
		WorkingDir: ImageWorkDir,
		Env: []string{
			"PATH=/usr/local/bin",
			"SSL_CERT_FILE=" + ImageCAFile,
		},
		Labels: map[string]string{
			"org.opencontainers.image.title":   "tailos",
			"org.opencontainers.image.version": version,
			"org.opencontainers.image.source":  "https://" + ModulePath,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("linux/%s image: %w", arch, err)
	}
	return img, nil
}
