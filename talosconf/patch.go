package talosconf

import (
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
)

// Apply applies patches (strategic merge or JSON6902, detected the way
// `talosctl --config-patch` detects them) to cfg in order.
func Apply(cfg config.Provider, patches ...[]byte) (config.Provider, error) {
	loaded := make([]configpatcher.Patch, 0, len(patches))
	for i, p := range patches {
		lp, err := configpatcher.LoadPatch(p)
		if err != nil {
			return nil, fmt.Errorf("patch %d: %w", i+1, err)
		}
		loaded = append(loaded, lp)
	}
	return ApplyPatches(cfg, loaded...)
}

// ApplyPatches applies loaded patches to cfg in order.
func ApplyPatches(cfg config.Provider, patches ...configpatcher.Patch) (config.Provider, error) {
	out, err := configpatcher.Apply(configpatcher.WithConfig(cfg), patches)
	if err != nil {
		return nil, fmt.Errorf("applying patches: %w", err)
	}
	patched, err := out.Config()
	if err != nil {
		return nil, fmt.Errorf("loading patched config: %w", err)
	}
	return patched, nil
}
