package spec

import _ "embed"

//go:embed starter.yaml
var starter []byte

// Starter is the commented spec `tailos init` writes.
func Starter() []byte { return append([]byte(nil), starter...) }
