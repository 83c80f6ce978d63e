package gen

import (
	"sync"

	"github.com/siderolabs/talos/pkg/machinery/cel/celenv"
	"github.com/siderolabs/talos/pkg/machinery/config/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/container"
	"github.com/siderolabs/talos/pkg/machinery/config/types/runtime"
)

// patchLoader loads the nodes' patch files for verification, as
// configpatcher.LoadPatch loads a file, without decoding the same bytes a
// thousand times: a patch file is its documents joined, and the documents
// every node's file shares (KubeNodeConfig, UnattendedInstallConfig, the
// secret patch, ...) are decoded by machinery once per run and copied for
// each node. A node's own documents are decoded for it. It lives for one
// run.
type patchLoader struct {
	mu     sync.Mutex
	shared map[string]*decodedPart // by content
}

type decodedPart struct {
	once sync.Once
	docs []config.Document
	err  error
}

func newPatchLoader() *patchLoader {
	return &patchLoader{shared: map[string]*decodedPart{}}
}

// load returns the strategic merge patch file holds; file is parts joined.
// When a part does not decode on its own, the whole file is loaded as
// talosctl loads it, so what fails reads as it always did.
func (l *patchLoader) load(file []byte, parts []patchPart) (configpatcher.Patch, error) {
	var docs []config.Document
	for _, p := range parts {
		ds, err := l.decode(p)
		if err != nil {
			return configpatcher.LoadPatch(file)
		}
		docs = append(docs, ds...)
	}
	// What LoadPatch makes of a strategic merge patch file.
	return configpatcher.NewStrategicMergePatch(container.NewReadonlyUnvalidated(file, docs...)), nil
}

// decode returns p's documents: for a shared part a copy of the ones
// decoded for the first node, so no node's merge can reach another's.
func (l *patchLoader) decode(p patchPart) ([]config.Document, error) {
	if !p.Shared {
		return decodeDocuments(p.Data)
	}
	l.mu.Lock()
	d, ok := l.shared[string(p.Data)]
	if !ok {
		d = &decodedPart{}
		l.shared[string(p.Data)] = d
	}
	l.mu.Unlock()
	d.once.Do(func() {
		if d.docs, d.err = decodeDocuments(p.Data); d.err == nil {
			checkExpressions(d.docs)
		}
	})
	if d.err != nil {
		return nil, d.err
	}
	docs := make([]config.Document, len(d.docs))
	for i, doc := range d.docs {
		docs[i] = doc.Clone()
	}
	return docs, nil
}

// checkExpressions parses and type-checks, once for all the nodes that
// share them, the CEL expressions of decoded documents. A decoded
// expression is only text: machinery's validation parses it, on a copy it
// then drops, so each node's validation would parse the same text again.
// A document's copies keep the checked tree, and validation, finding it,
// does not parse again. An expression that does not parse is left as it
// was, for each node's validation to reject.
func checkExpressions(docs []config.Document) {
	for _, d := range docs {
		if ui, ok := d.(*runtime.UnattendedInstallConfigV1Alpha1); ok && !ui.ProvisioningSpec.DiskSelector.Match.IsZero() {
			// Its error is validation's to report, for each node.
			_ = ui.ProvisioningSpec.DiskSelector.Match.ParseBool(celenv.DiskLocator())
		}
	}
}

// decodeDocuments decodes a patch's documents with LoadPatch's options.
func decodeDocuments(data []byte) ([]config.Document, error) {
	cfg, err := configloader.NewFromBytes(data, configloader.WithAllowPatchDelete(), configloader.WithNoValidation())
	if err != nil {
		return nil, err
	}
	return cfg.Documents(), nil
}
