package schematic

import (
	"github.com/tailos/tailos/secret"
)

// HasSecrets reports whether the schematic's canonical text holds a
// credential (secret.Contains), e.g. a tailnet key in an embedded
// ExtensionServiceConfig. Anyone who knows
// a schematic's ID can read it from the factory, so a key there is public.
func (s *Schematic) HasSecrets() bool {
	data, err := s.Marshal()
	return err == nil && secret.Contains(string(data))
}
