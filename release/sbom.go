package release

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"sort"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// ModulePath is the module a release is built from.
const ModulePath = "github.com/tailos/tailos"

// SBOM returns the CycloneDX (JSON) bill of materials of a built binary,
// from the module data the Go toolchain recorded in it (what `go version
// -m` prints): every linked module with its version, Go checksum and
// package URL, the toolchain and the build settings. It has no timestamp
// or random serial number, so the same binary gives the same SBOM.
func SBOM(binaryPath, version string, t Target) ([]byte, error) {
	bi, err := buildinfo.ReadFile(binaryPath)
	if err != nil {
		return nil, fmt.Errorf("reading build info of %s: %w", binaryPath, err)
	}
	mainRef := purl(ModulePath, version)
	props := []cdx.Property{{Name: "golang:goversion", Value: bi.GoVersion}, {Name: "golang:platform", Value: t.String()}}
	for _, s := range bi.Settings {
		props = append(props, cdx.Property{Name: "golang:build:" + s.Key, Value: s.Value})
	}
	var comps []cdx.Component
	var refs []string
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		ref := purl(m.Path, m.Version)
		c := cdx.Component{
			BOMRef:     ref,
			Type:       cdx.ComponentTypeLibrary,
			Name:       m.Path,
			Version:    m.Version,
			PackageURL: ref,
			Scope:      cdx.ScopeRequired,
		}
		if m.Sum != "" {
			c.Properties = &[]cdx.Property{{Name: "golang:sum", Value: m.Sum}}
		}
		if d.Replace != nil {
			c.Properties = appendProp(c.Properties, "golang:replaces", d.Path+"@"+d.Version)
		}
		comps = append(comps, c)
		refs = append(refs, ref)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].BOMRef < comps[j].BOMRef })
	sort.Strings(refs)

	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{
		Component: &cdx.Component{
			BOMRef:     mainRef,
			Type:       cdx.ComponentTypeApplication,
			Name:       "tailos",
			Version:    version,
			PackageURL: mainRef,
			Properties: &props,
		},
	}
	bom.Components = &comps
	// The module data records what is linked, not who requires whom: the
	// binary depends on every module in it.
	bom.Dependencies = &[]cdx.Dependency{{Ref: mainRef, Dependencies: &refs}}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return nil, fmt.Errorf("encoding SBOM: %w", err)
	}
	return buf.Bytes(), nil
}

func appendProp(p *[]cdx.Property, name, value string) *[]cdx.Property {
	var out []cdx.Property
	if p != nil {
		out = *p
	}
	out = append(out, cdx.Property{Name: name, Value: value})
	return &out
}

// purl is the package URL of a Go module (pkg:golang/<path>@<version>).
func purl(path, version string) string {
	return "pkg:golang/" + path + "@" + version
}

func writeSBOM(path string, sbom []byte) error {
	return os.WriteFile(path, sbom, 0o644)
}
