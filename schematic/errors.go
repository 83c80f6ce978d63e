package schematic

import "github.com/tailos/tailos/facts/yamlerr"

// FieldError is one problem in a schematic, located in its source
// ("file:line: field: message"; File is set by the caller that read the
// file, and may be empty).
type FieldError = yamlerr.Error

// Errors is every problem found in one schematic, in source order.
type Errors = yamlerr.List
