package plan

import (
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/cel"
	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"

	"github.com/tailos/tailos/schematic"
)

// shared holds what the nodes of one Build have in common, computed for
// the first node that needs it: a thousand nodes on one platform and one
// install disk resolve one factory target and parse one CEL expression.
// It lives for one Build, never across them.
type shared struct {
	schematicID string
	images      map[schematic.Target]result[string]
	selectors   map[string]result[cel.Expression]
}

type result[T any] struct {
	v   T
	err error
}

func newShared(schematicID string) *shared {
	return &shared{
		schematicID: schematicID,
		images:      map[schematic.Target]result[string]{},
		selectors:   map[string]result[cel.Expression]{},
	}
}

// installerImage is the factory installer for the target.
func (c *shared) installerImage(t schematic.Target) (string, error) {
	r, ok := c.images[t]
	if !ok {
		r.v, r.err = schematic.InstallerImage(t, c.schematicID)
		c.images[t] = r
	}
	return r.v, r.err
}

// diskSelector is the install disk's selector expression. Nodes share the
// parsed expression: its syntax tree is never modified once checked.
func (c *shared) diskSelector(disk string) (cel.Expression, error) {
	r, ok := c.selectors[disk]
	if !ok {
		r.v, r.err = cel.ParseBooleanExpression(fmt.Sprintf("disk.dev_path == %q", disk), celenv.DiskLocator())
		c.selectors[disk] = r
	}
	return r.v, r.err
}
