// Package plan turns a spec into what a node needs: typed Talos documents
// (machinery's own types), the Image Factory schematic, the tailnet policy
// and the hybrid operator manifests. Everything here is a pure function of
// the spec; writing files is render's job and proving them is verify's.
package plan
