package yamlprune

import (
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestPrune(t *testing.T) {
	in := "a: \"\"\nb: null\nc: {d: \"\", e: []}\nf: false\ng: [x, {}]\nh: 0\ni: {j: 1}\n"
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "f: false\ng: [x, {}]\nh: 0\ni: {j: 1}\n"},
		{Options{DropFalse: true}, "g: [x, {}]\nh: 0\ni: {j: 1}\n"},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(in), &n); err != nil {
			t.Fatal(err)
		}
		Prune(&n, tc.opts)
		out, err := yaml.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := yaml.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatal(err)
		}
		if gb, _ := yaml.Marshal(got); string(gb) != string(mustMarshal(want)) {
			t.Errorf("%+v:\n%s\nwant\n%s", tc.opts, gb, mustMarshal(want))
		}
	}
}

func mustMarshal(v any) []byte {
	b, _ := yaml.Marshal(v)
	return b
}
