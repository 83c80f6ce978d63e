// Package input holds what the readers of configuration tools' project
// files (talhelper, topf, talstomize) share with the linter: the neutral
// description a reader returns — a project's nodes, each a role and the
// patches in the tool's order — and the YAML and ${VAR} helpers they read
// with. Readers describe; the lint package renders and checks.
package input

import "github.com/siderolabs/talos/pkg/machinery/config/machine"

// Source is one file (or a part of one) that goes into a configuration.
type Source struct {
	File string
	Data []byte
}

// StandInVersion is the Talos version of the base a project is rendered
// onto when it names no supported one: v1.13 keeps kubelet, sysctl and
// install settings in v1alpha1, so patches of either shape resolve.
const StandInVersion = "v1.13.0"

// Project is a tool's project file, read: the cluster and its nodes.
type Project struct {
	// Tool names the tool (topf, talstomize).
	Tool string
	// Data is the project file as the nodes' lines refer to it (after
	// any ${VAR} substitution the tool itself does).
	Data []byte
	// Version is the Talos version the project targets, "" when unknown.
	Version  string
	Cluster  string
	Endpoint string
	Nodes    []Node
	// Notes say what the reader skipped or assumed.
	Notes []string
}

// Node is one node of a project, ready to render the way the tool does: a
// generated base for the role, then the patches in the tool's order.
type Node struct {
	Name     string
	Role     machine.Type
	Image    string // install image the tool sets, "" for none
	Hostname string // hostname the tool sets implicitly, "" for none
	Patches  []Source
	// Lines maps config field paths to project-file lines (the image).
	Lines map[string]int
	// Schematics the project defines for this node (ID → extensions).
	Schematics map[string][]string
	// Templated are environment keys the patches take from ${VAR}
	// references filled in from the environment.
	Templated []string
}
