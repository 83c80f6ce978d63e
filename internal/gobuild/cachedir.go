package gobuild

import (
	"fmt"
	"os"
	"path/filepath"
)

// CacheDir is tailos's binary cache: $XDG_CACHE_HOME/tailos, else
// $HOME/.cache/tailos.
func CacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "tailos"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "tailos"), nil
}
