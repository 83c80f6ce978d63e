package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// keyPaths lists every path of mapping keys in a parsed document.
func keyPaths(n *yaml.Node, prefix []string, out *[][]string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		p := append(append([]string{}, prefix...), n.Content[i].Value)
		*out = append(*out, p)
		keyPaths(n.Content[i+1], p, out)
	}
}

// Wherever the scan answers, it answers as the parse does, on every key
// path of generated configs of both shapes and of the real-world corpus;
// and it answers for most of them (else it saves nothing).
func TestBlockPathMatchesParse(t *testing.T) {
	var docs [][]byte
	for _, v := range []string{"v1.13.0", "v1.14.1"} {
		docs = append(docs, fullConfigs(t, v, 2)...)
	}
	corpus, _ := filepath.Glob(filepath.Join("testdata", "realworld", "*.yaml"))
	for _, f := range corpus {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	docs = append(docs, []byte("a:\n  b: 1\n  'c': {d: 1}\n  \"e\":\n    f: x # note\n  g: |\n    h: not a key\n  i:\n  - j: 1\n  k:\n    - l\n"))
	answered, asked := 0, 0
	for _, src := range docs {
		idx := NewIndex(src)
		for _, c := range idx.chunks {
			d := (&chunk{text: c.text}).doc()
			if d == nil {
				continue
			}
			var paths [][]string
			keyPaths(d, nil, &paths)
			for _, p := range paths {
				asked++
				want, full := walkFull(d, p)
				got, ok := blockPath(c.text, p)
				if !ok {
					continue
				}
				answered++
				if !full || got != want {
					t.Errorf("%s: scan says line %d, parse %d (full %v)\n%s", strings.Join(p, "."), got, want, full, c.text)
				}
			}
		}
	}
	if answered*2 < asked {
		t.Errorf("the scan answered %d of %d paths", answered, asked)
	}
	t.Logf("the scan answered %d of %d key paths", answered, asked)
}

func TestBlockPathDeclines(t *testing.T) {
	for _, tc := range []struct {
		src  string
		path string
	}{
		{"a: {b: 1}\n", "a.b"},
		{"a:\n- b: 1\n", "a.b"},
		{"a:\n  x: 1\nb: 2\n", "a.b"},
		{"? a\n: 1\n", "a"},
		{"a:\n  b: 1\n", "a.c"},
		{"\"a\\\"b\": 1\n", "a\"b"},
	} {
		if l, ok := blockPath([]byte(tc.src), strings.Split(tc.path, ".")); ok {
			t.Errorf("%q %s: line %d, want no answer", tc.src, tc.path, l)
		}
	}
}
