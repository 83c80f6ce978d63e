package userfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string // "" for success
	}{
		{"regular file", small, ""},
		{"over the limit", big, "larger than the 1 KiB limit"},
		{"FIFO nobody writes to", fifo, "not a regular file (a FIFO)"},
		{"directory", dir, "not a regular file (a directory)"},
		{"endless device", "/dev/zero", "not a regular file (a character device)"},
		{"missing", filepath.Join(dir, "nope"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var b []byte
			var err error
			go func() { b, err = Read(tt.path, 1024); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
			if tt.wantErr == "" {
				if err != nil || string(b) != "a: 1\n" {
					t.Fatalf("Read = %q, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Read error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadStream(t *testing.T) {
	b, err := ReadStream(context.Background(), strings.NewReader("abc"), "<stdin>", 3)
	if err != nil || string(b) != "abc" {
		t.Fatalf("ReadStream = %q, %v", b, err)
	}
	_, err = ReadStream(context.Background(), strings.NewReader("abcd"), "<stdin>", 3)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("over the limit: err = %v", err)
	}
	// An endless stream stops at the limit.
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ReadStream(context.Background(), f, "/dev/zero", 1<<20); !errors.As(err, &tl) {
		t.Fatalf("/dev/zero: err = %v", err)
	}
	// A stream nobody writes to gives way to cancellation.
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := ReadStream(ctx, pr, "<stdin>", 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
}
