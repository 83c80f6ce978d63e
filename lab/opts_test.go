//go:build linux

package lab_test

import "github.com/tailos/tailos/lab"

func labOptions(nodes int) lab.Options { return lab.Options{Nodes: nodes} }
