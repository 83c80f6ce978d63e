package rollout

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/siderolabs/talos/pkg/machinery/config"
	coreconfig "github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configdiff"
	"github.com/siderolabs/talos/pkg/machinery/config/container"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime/extensions"
	"go.yaml.in/yaml/v4"

	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/secret"
	"github.com/tailos/tailos/talosconf"
)

// ServiceName is the ExtensionServiceConfig tailos owns on a node.
const ServiceName = tailscaleext.ServiceName

// Desired is the config a node should run: live with tailos's share put in.
// The tailscale ExtensionServiceConfig is replaced as a whole (Talos appends
// environment lists when it merges, so merging into the live one would pile
// up entries), and list items the live config already holds are dropped
// from the patches (certSANs, validSubnets: merging appends them again), so
// applying the same spec twice gives the same config.
func Desired(live config.Provider, patches ...[]byte) (config.Provider, error) {
	base, err := container.New(withoutTailscale(live)...)
	if err != nil {
		return nil, fmt.Errorf("live config: %w", err)
	}
	liveDocs, err := unstructuredDocs(base)
	if err != nil {
		return nil, err
	}
	trimmed := make([][]byte, len(patches))
	for i, p := range patches {
		if trimmed[i], err = trimPatch(p, liveDocs); err != nil {
			return nil, fmt.Errorf("patch %d: %w", i+1, err)
		}
	}
	return talosconf.Apply(base, trimmed...)
}

// withoutTailscale are cfg's documents but tailos's ExtensionServiceConfig.
func withoutTailscale(cfg config.Provider) []coreconfig.Document {
	var docs []coreconfig.Document
	for _, d := range cfg.Documents() {
		if esc, ok := d.(*extensions.ServiceConfigV1Alpha1); ok && esc.ServiceName == ServiceName {
			continue
		}
		docs = append(docs, d)
	}
	return docs
}

// Diff is machinery's config diff between two configs with the machine
// config's secrets redacted and credentials masked: safe to print.
func Diff(oldCfg, newCfg config.Provider) (string, error) {
	o, err := canonical(oldCfg.RedactSecrets("REDACTED"))
	if err != nil {
		return "", err
	}
	n, err := canonical(newCfg.RedactSecrets("REDACTED"))
	if err != nil {
		return "", err
	}
	d, err := configdiff.DiffConfigs(o, n)
	if err != nil {
		return "", fmt.Errorf("config diff: %w", err)
	}
	return secret.Mask(d), nil
}

// canonical orders the documents (v1alpha1 first, then by kind and name):
// Talos does not care about their order, and replacing the tailscale
// document moves it to the end.
func canonical(cfg config.Provider) (config.Provider, error) {
	docs := slices.Clone(cfg.Documents())
	slices.SortStableFunc(docs, func(a, b coreconfig.Document) int {
		return cmp.Compare(sortKey(a), sortKey(b))
	})
	return container.New(docs...)
}

func sortKey(d coreconfig.Document) string {
	if d.Kind() == "v1alpha1" || d.Kind() == "" {
		return ""
	}
	if n, ok := d.(coreconfig.NamedDocument); ok {
		return d.Kind() + "/" + n.Name()
	}
	return d.Kind()
}

// Same reports whether two configs hold the same documents.
func Same(a, b config.Provider) (bool, error) {
	a, err := canonical(a)
	if err != nil {
		return false, err
	}
	if b, err = canonical(b); err != nil {
		return false, err
	}
	ab, err := a.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		return false, err
	}
	bb, err := b.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
	if err != nil {
		return false, err
	}
	return bytes.Equal(ab, bb), nil
}

type docKey struct{ kind, name string }

func keyOf(m map[string]any) docKey {
	k, _ := m["kind"].(string)
	n, _ := m["name"].(string)
	return docKey{k, n}
}

// unstructuredDocs are cfg's documents as plain YAML values, by kind and
// name (the v1alpha1 document has neither).
func unstructuredDocs(cfg config.Provider) (map[docKey]map[string]any, error) {
	out := map[docKey]map[string]any{}
	for _, d := range cfg.Documents() {
		b, err := encoder.NewEncoder(d, encoder.WithComments(encoder.CommentsDisabled)).Encode()
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", d.Kind(), err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("re-reading %s: %w", d.Kind(), err)
		}
		out[keyOf(m)] = m
	}
	return out, nil
}

// trimPatch drops from a strategic-merge patch the list items its target
// document already holds. A JSON6902 patch (a YAML list) is left alone.
func trimPatch(p []byte, live map[docKey]map[string]any) ([]byte, error) {
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(p))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return p, nil // JSON6902
		}
		docs = append(docs, m)
	}
	var buf bytes.Buffer
	for i, d := range docs {
		trimMap(d, live[keyOf(d)])
		if i > 0 {
			buf.WriteString("---\n")
		}
		out, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		buf.Write(out)
	}
	return buf.Bytes(), nil
}

func trimMap(p, live map[string]any) {
	for k, v := range p {
		var lv any
		if live != nil {
			lv = live[k]
		}
		switch pv := v.(type) {
		case map[string]any:
			lm, _ := lv.(map[string]any)
			trimMap(pv, lm)
		case []any:
			ls, _ := lv.([]any)
			var keep []any
			for _, item := range pv {
				if !containsValue(ls, item) {
					keep = append(keep, item)
				}
			}
			if len(keep) == 0 {
				delete(p, k)
			} else {
				p[k] = keep
			}
		}
	}
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

func encodeDoc(d coreconfig.Document) ([]byte, error) {
	return encoder.NewEncoder(d, encoder.WithComments(encoder.CommentsDisabled)).Encode()
}
