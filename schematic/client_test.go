package schematic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/imager/imageropts"

	"github.com/tailos/tailos/facts/imagefactory"
	"github.com/tailos/tailos/facts/tailscaleext"
	"github.com/tailos/tailos/schematic/factorytest"
)

func newTestClient(t *testing.T, f *factorytest.Factory, timeout time.Duration) *Client {
	t.Helper()
	srv := f.Server()
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientCreateAndGet(t *testing.T) {
	f := factorytest.New()
	c := newTestClient(t, f, 0)
	ctx := context.Background()

	s := New([]string{tailscaleext.Name, "siderolabs/iscsi-tools"}, []string{"console=ttyS0"})
	id, err := c.Create(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.ID()
	if id != want {
		t.Fatalf("factory assigned %s, local ID %s", id, want)
	}
	if f.Requests["POST /schematics"] != 1 {
		t.Errorf("requests: %v", f.Requests)
	}

	got, raw, err := c.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasExtension(tailscaleext.Name) {
		t.Errorf("fetched schematic lost the extension: %s", raw)
	}
	if gotID, _ := got.ID(); gotID != id {
		t.Errorf("fetched schematic hashes to %s, want %s", gotID, id)
	}

	_, _, err = c.Get(ctx, strings.Repeat("0", 64))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown ID: got %v, want ErrNotFound", err)
	}
}

// An older factory (v0.8.4 semantics) rejects fields it does not know with
// 400; the client must send them rather than drop them silently.
func TestClientCreateRejectedFields(t *testing.T) {
	c := newTestClient(t, factorytest.New(), 0)
	s := New([]string{tailscaleext.Name}, nil)
	s.Customization.Bootloader = imageropts.BootLoaderKindSDBoot
	_, err := c.Create(context.Background(), s)
	if err == nil || !IsInvalid(err) {
		t.Fatalf("want a 400 invalid-schematic error, got %v", err)
	}
	if !strings.Contains(err.Error(), "bootloader") {
		t.Errorf("error should name the field: %v", err)
	}

	// A newer factory accepts the field: the direct POST carries it and
	// the factory's answer is read.
	newer := factorytest.New()
	newer.AcceptAll = true
	c2 := newTestClient(t, newer, 0)
	id, err := c2.Create(context.Background(), s)
	want, _ := s.ID()
	if err != nil || id != want {
		t.Fatalf("newer factory: id %s err %v, want %s", id, err, want)
	}
	if !strings.Contains(string(newer.LastBody), "bootloader: sd-boot") {
		t.Errorf("the field was not sent: %s", newer.LastBody)
	}

	s = New(nil, nil)
	s.Owner = "alice"
	if _, err := c.Create(context.Background(), s); err == nil || !strings.Contains(err.Error(), "owner") {
		t.Errorf("owner must be refused before sending: %v", err)
	}
}

func TestClientVersionsAndExtensions(t *testing.T) {
	c := newTestClient(t, factorytest.New(), 0)
	ctx := context.Background()
	v, err := c.Versions(ctx)
	if err != nil || len(v) != 2 || v[1] != "v1.14.1" {
		t.Fatalf("versions %v, %v", v, err)
	}
	ext, err := c.Extensions(ctx, "1.14.1")
	if err != nil {
		t.Fatal(err)
	}
	if ts, ok := TailscaleVersion(ext); !ok || ts != "1.98.1" {
		t.Errorf("tailscale version %q %v", ts, ok)
	}
	if _, err := c.Extensions(ctx, "v1.99.0"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown version: %v", err)
	}
}

func TestClientTimeout(t *testing.T) {
	f := factorytest.New()
	f.Delay = 5 * time.Second
	c := newTestClient(t, f, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Versions(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("want a deadline error, got %v", err)
	}
	// The client's own timeout bounds a request without a deadline too.
	c2, _ := NewClient(c.BaseURL(), 50*time.Millisecond)
	if _, _, err := c2.Get(context.Background(), imagefactory.EmptySchematicID); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("want a client timeout, got %v", err)
	}
}
