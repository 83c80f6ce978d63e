// Package factorytest runs an in-process Image Factory API for tests: the
// documented routes and status codes (POST /schematics 201 or 400 on
// unknown fields, GET /schematics/ID 200 or 404, /versions, official
// extensions per version), decoding schematics with the factory's own
// published package (image-factory v0.8.4 pkg/schematic), so it behaves
// like a factory of that release: fields added later are rejected.
package factorytest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/siderolabs/image-factory/pkg/client"
	factory "github.com/siderolabs/image-factory/pkg/schematic"

	"github.com/tailos/tailos/facts/tailscaleext"
)

// Factory is the fake factory's state.
type Factory struct {
	mu         sync.Mutex
	schematics map[string][]byte
	// Delay is slept before every answer (to test client timeouts).
	Delay time.Duration
	// Versions answers GET /versions.
	Versions []string
	// Extensions answers GET /version/:v/extensions/official.
	Extensions map[string][]client.ExtensionInfo
	// Requests counts requests, by "METHOD path".
	Requests map[string]int
	// LastBody is the body of the last POST /schematics.
	LastBody []byte
	// AcceptAll stands in for a factory newer than v0.8.4: any schematic
	// is stored as sent and named by the SHA-256 of its bytes, which is the
	// factory's ID when the client sends the canonical encoding.
	AcceptAll bool
}

// New returns a factory that knows two releases and their Tailscale builds.
func New() *Factory {
	ext := func(tsVersion string) []client.ExtensionInfo {
		return []client.ExtensionInfo{
			{Name: "siderolabs/iscsi-tools", Ref: "ghcr.io/siderolabs/iscsi-tools:v0.2.0", Digest: "sha256:" + strings.Repeat("1", 64), Author: "Sidero Labs", Description: "This system extension provides iscsi-tools."},
			{Name: tailscaleext.Name, Ref: "ghcr.io/siderolabs/tailscale:" + tsVersion, Digest: "sha256:" + strings.Repeat("2", 64), Author: "Beau Trepp", Description: "[extra] Tailscale connects your team's devices and development environments for easy access to remote resources."},
		}
	}
	return &Factory{
		schematics: map[string][]byte{},
		Versions:   []string{"v1.13.9", "v1.14.1"},
		Extensions: map[string][]client.ExtensionInfo{"v1.13.9": ext("1.96.4"), "v1.14.1": ext("1.98.1")},
		Requests:   map[string]int{},
	}
}

// Server starts the factory on a loopback httptest server.
func (f *Factory) Server() *httptest.Server {
	return httptest.NewServer(f)
}

// Put stores a schematic as if it had been created earlier.
func (f *Factory) Put(id string, canonical []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schematics[id] = canonical
}

// ServeHTTP implements the routes.
func (f *Factory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.Requests[r.Method+" "+r.URL.Path]++
	delay := f.Delay
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	switch {
	case r.Method == http.MethodPost && path == "schematics":
		f.create(w, r)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "schematics":
		f.mu.Lock()
		data, ok := f.schematics[parts[1]]
		f.mu.Unlock()
		if !ok {
			http.Error(w, "schematic not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(data) //nolint:errcheck
	case r.Method == http.MethodGet && path == "versions":
		writeJSON(w, http.StatusOK, f.Versions)
	case r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "version" && parts[2] == "extensions" && parts[3] == "official":
		ext, ok := f.Extensions[parts[1]]
		if !ok {
			http.Error(w, fmt.Sprintf("version %s not found", parts[1]), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, ext)
	default:
		http.NotFound(w, r)
	}
}

func (f *Factory) create(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.LastBody = body
	accept := f.AcceptAll
	f.mu.Unlock()
	if accept {
		sum := sha256.Sum256(body)
		id := hex.EncodeToString(sum[:])
		f.Put(id, body)
		writeJSON(w, http.StatusCreated, map[string]string{"id": id, "schematic": string(body)})
		return
	}
	s, err := factory.Unmarshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, err := s.ID()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	data, err := s.Marshal()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f.Put(id, data)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id, "schematic": string(data)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}
