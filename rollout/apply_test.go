package rollout

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/siderolabs/talos/pkg/machinery/client"

	"github.com/tailos/tailos/spec"
)

// Apply refuses what it can refuse before any node is contacted: a
// missing or empty credential (the patch would carry its placeholder), a
// node the spec does not name, an unknown mode. The client points at a
// closed port: a call through it would fail differently.
func TestApplyRefusesBeforeAnyNode(t *testing.T) {
	s, err := spec.Load("../examples/homelab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(context.Background(), client.WithEndpoints("127.0.0.1:1"), client.WithTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	env := func(v string, set bool) func(string) (string, bool) {
		return func(string) (string, bool) { return v, set }
	}
	tests := []struct {
		name string
		req  Request
		err  string
	}{
		{name: "credential unset", req: Request{LookupEnv: env("", false)}, err: "TS_AUTHKEY is not set"},
		{name: "credential empty", req: Request{LookupEnv: env("", true)}, err: "TS_AUTHKEY is not set"},
		{name: "unknown node", req: Request{LookupEnv: env(testKey, true), Nodes: []string{"cp-9"}}, err: `node "cp-9" is not in`},
		{name: "unknown mode", req: Request{LookupEnv: env(testKey, true), Mode: "try-harder"}, err: "want no-reboot, auto, reboot or staged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Spec, tt.req.Client = s, c
			res, err := Apply(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.err) || res != nil {
				t.Fatalf("Apply: %v, %+v; want %q and no result", err, res, tt.err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
