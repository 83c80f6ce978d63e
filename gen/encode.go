package gen

import (
	"reflect"
	"sync"

	"github.com/siderolabs/talos/pkg/machinery/config/config"

	"github.com/tailos/tailos/plan"
)

// docEncoder encodes each distinct document of a run once. Most of a
// node's documents (KubeNodeConfig, UnattendedInstallConfig, KubeSpanConfig,
// ...) are the same for every node of a role: a thousand-node cluster has
// a handful of them, and encoding is most of rendering.
type docEncoder struct {
	mu   sync.Mutex
	seen map[string][]encodedDoc // by kind
}

// maxShared is how many distinct documents of one kind are remembered:
// past it the kind is per node (certSANs, hostnames), and comparing each
// new document with every earlier one would cost more than encoding it.
const maxShared = 4

type encodedDoc struct {
	doc  config.Document
	data []byte
}

// encode returns d as plan.EncodeDocuments writes it (without header or
// separator), and whether other nodes share the bytes; callers must not
// modify them.
func (e *docEncoder) encode(d config.Document) (data []byte, shared bool, err error) {
	e.mu.Lock()
	known := e.seen[d.Kind()]
	e.mu.Unlock()
	if len(known) > maxShared {
		data, err = plan.EncodeDocuments("", []config.Document{d})
		return data, false, err
	}
	for _, s := range known {
		if reflect.DeepEqual(s.doc, d) {
			return s.data, true, nil
		}
	}
	if data, err = plan.EncodeDocuments("", []config.Document{d}); err != nil {
		return nil, false, err
	}
	e.mu.Lock()
	e.seen[d.Kind()] = append(e.seen[d.Kind()], encodedDoc{d, data})
	e.mu.Unlock()
	return data, true, nil
}
