package schematic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/render"
)

// ErrNotFound is returned when a schematic ID is unknown to a resolver.
var ErrNotFound = errors.New("schematic not found")

// Resolver finds the schematic behind an ID.
type Resolver interface {
	// Lookup returns the schematic with this ID, or an error wrapping
	// ErrNotFound.
	Lookup(ctx context.Context, id string) (*Schematic, error)
	// Name says where schematics come from, for reports.
	Name() string
}

// Store is a directory of schematics tailos created, one canonical file
// per ID (<id>.yaml), so that installer images can be checked offline.
type Store struct{ Dir string }

// DefaultStoreDir is $XDG_CONFIG_HOME/tailos/schematics, or
// ~/.config/tailos/schematics when XDG_CONFIG_HOME is unset.
func DefaultStoreDir(lookupEnv func(string) (string, bool)) (string, error) {
	if dir, ok := lookupEnv("XDG_CONFIG_HOME"); ok && dir != "" {
		return filepath.Join(dir, "tailos", "schematics"), nil
	}
	home, ok := lookupEnv("HOME")
	if !ok || home == "" {
		return "", fmt.Errorf("cannot place the schematic store: neither XDG_CONFIG_HOME nor HOME is set (use --store)")
	}
	return filepath.Join(home, ".config", "tailos", "schematics"), nil
}

// Name implements Resolver.
func (st Store) Name() string { return "local store " + st.Dir }

// Path is where the schematic with this ID is kept.
func (st Store) Path(id string) string { return filepath.Join(st.Dir, id+".yaml") }

// Save writes the schematic's canonical bytes under its ID, atomically.
// Files are private (0600): an embedded machine configuration may hold
// secrets.
func (st Store) Save(s *Schematic) (id, path string, err error) {
	data, err := s.Marshal()
	if err != nil {
		return "", "", err
	}
	if id, err = s.ID(); err != nil {
		return "", "", err
	}
	path = st.Path(id)
	if err := render.WriteFileAtomic(path, data, true); err != nil {
		return "", "", fmt.Errorf("saving schematic %s: %w", id, err)
	}
	return id, path, nil
}

// Lookup implements Resolver. A stored file whose content does not hash to
// its name is reported, not trusted.
func (st Store) Lookup(_ context.Context, id string) (*Schematic, error) {
	if err := imagefactory.ValidateSchematicID(id); err != nil {
		return nil, err
	}
	path := st.Path(id)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s in %s: %w", id, st.Name(), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	s, err := Parse(data)
	if err != nil {
		var errs Errors
		if errors.As(err, &errs) {
			return nil, errs.WithFile(path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	got, err := s.ID()
	if err != nil {
		return nil, err
	}
	if got != id {
		return nil, fmt.Errorf("%s: content hashes to %s, not to its name; the file was edited by hand, delete it and recreate the schematic", path, got)
	}
	return s, nil
}
