package gobuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StampFile is the name of the stamp inside a cache entry; it is not a
// program.
const StampFile = ".tailos-build"

// Stamp records what a cache entry holds and what it was built with; an
// entry is reused only when every field matches.
type Stamp struct {
	Module    string   `json:"module"`
	Version   string   `json:"version"`
	Programs  []string `json:"programs"`
	Packages  []string `json:"packages"`
	GOOS      string   `json:"goos"`
	GOARCH    string   `json:"goarch"`
	GoVersion string   `json:"goVersion"`
	Flags     []string `json:"flags,omitempty"`
	Key       string   `json:"key,omitempty"`
}

func newStamp(b *Build, goVersion string) Stamp {
	s := Stamp{Module: b.Module, Version: b.Version, GOOS: b.GOOS, GOARCH: b.GOARCH, GoVersion: goVersion, Flags: b.Flags, Key: b.Key}
	for _, t := range b.Targets {
		s.Programs = append(s.Programs, t.name())
		s.Packages = append(s.Packages, t.Package)
	}
	return s
}

// String names the build for progress and errors.
func (s Stamp) String() string {
	return fmt.Sprintf("%s (%s@%s) for %s/%s with %s", strings.Join(s.Programs, ", "), s.Module, s.Version, s.GOOS, s.GOARCH, s.GoVersion)
}

func (s Stamp) encode() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // a struct of strings always encodes
	}
	return append(b, '\n')
}

func (s Stamp) write(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, StampFile), s.encode(), 0o644); err != nil {
		return fmt.Errorf("writing build stamp: %w", err)
	}
	return nil
}

// matches reports whether dir holds this build: the same stamp and every
// program a regular file.
func (s Stamp) matches(dir string) bool {
	got, err := os.ReadFile(filepath.Join(dir, StampFile))
	if err != nil || !bytes.Equal(got, s.encode()) {
		return false
	}
	for _, p := range s.Programs {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// ReadStamp returns the stamp of the cache entry dir.
func ReadStamp(dir string) (Stamp, error) {
	var s Stamp
	b, err := os.ReadFile(filepath.Join(dir, StampFile))
	if err != nil {
		return s, fmt.Errorf("reading build stamp: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, StampFile), err)
	}
	return s, nil
}
