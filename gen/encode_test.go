package gen

import (
	"bytes"
	"testing"
)

// Encoding each distinct document once writes, for every node, exactly
// the patch plan.Node.Patch encodes on its own, in both config shapes.
func TestSharedDocumentsEncodeAsPatch(t *testing.T) {
	for _, createdWith := range []string{"", "v1.13.0"} {
		s := fleetSpec(t, 40)
		s.Cluster.CreatedWith = createdWith
		s.Nodes[7].InstallDisk = "/dev/nvme0n1" // a document of its own
		out, err := Generate(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range out.Plan.Nodes {
			got := fileData(t, out, NodePatchPath(n.Spec.Name))
			lines := bytes.SplitAfterN(got, []byte("\n"), 3) // the two header lines
			header := append(lines[0], lines[1]...)
			want, err := n.Patch(string(header))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("createdWith %q, node %s: patch differs from its own encoding:\n--- got\n%s\n--- want\n%s", createdWith, n.Spec.Name, got, want)
			}
		}
		// The 1.14 patches restate the disk (UnattendedInstallConfig).
		if createdWith == "" && !bytes.Contains(fileData(t, out, NodePatchPath(s.Nodes[7].Name)), []byte("/dev/nvme0n1")) {
			t.Errorf("createdWith %q: the node's own install disk is not in its patch", createdWith)
		}
	}
}
